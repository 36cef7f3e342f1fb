"""The per-chat inbox and lease on the real Redis."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from core.store import ChatQueue, Keys


def make_queue(redis: Redis, key_prefix: str, lease_s: int = 60) -> ChatQueue:
    return ChatQueue(redis, Keys(key_prefix), lease_s)


async def test_messages_run_in_order_and_the_lease_is_released_when_empty(
    redis: Redis, key_prefix: str
) -> None:
    queue = make_queue(redis, key_prefix)
    first = await queue.push("chat", "m1", '{"n":1}', "turn-a")
    second = await queue.push("chat", "m2", '{"n":2}', "turn-b")
    assert first.turn_token == "turn-a" and first.ahead == 0
    assert second.turn_token is None and second.ahead == 1

    taken = await queue.next("chat", "turn-a")
    assert (taken.kind, taken.message_id, taken.work_json) == ("next", "m1", '{"n":1}')
    taken = await queue.next("chat", "turn-a", finished="m1")
    assert (taken.kind, taken.message_id) == ("next", "m2")
    assert (await queue.next("chat", "turn-a", finished="m2")).kind == "idle"
    assert await queue.idle("chat")
    # The chat is free again: the next push claims the lease.
    assert (await queue.push("chat", "m3", "{}", "turn-c")).turn_token == "turn-c"


async def test_the_same_message_is_recorded_once(redis: Redis, key_prefix: str) -> None:
    queue = make_queue(redis, key_prefix)
    results = await asyncio.gather(*(queue.push("chat", "same", "{}", f"t{i}") for i in range(50)))
    assert sum(not r.duplicate for r in results) == 1
    assert sum(r.turn_token is not None for r in results) == 1
    assert await queue.queued("chat") == 1


async def test_a_message_pushed_while_the_turn_finishes_is_never_stranded(
    redis: Redis, key_prefix: str
) -> None:
    """Either the pusher claims the lease or the running turn sees the message; and the chat
    stays where the janitor looks for chats with work (were the turn that takes the late
    message to die, the janitor is what finds it)."""
    queue = make_queue(redis, key_prefix)
    for round_ in range(200):
        chat = f"chat{round_}"
        await queue.push(chat, "first", "{}", "turn")
        await queue.next(chat, "turn")
        push = queue.push(chat, "late", "{}", "other")
        finish = queue.next(chat, "turn", finished="first")
        if round_ % 2:  # either goes out first
            pushed, finished = await asyncio.gather(push, finish)
        else:
            finished, pushed = await asyncio.gather(finish, push)
        if finished.kind == "idle":
            assert pushed.turn_token == "other"
        else:
            assert (finished.kind, finished.message_id, pushed.turn_token) == ("next", "late", None)
        assert await redis.sismember(Keys(key_prefix).active_chats(), chat), round_


async def test_a_dead_turn_is_resumed_by_its_token_or_after_the_lease_expires(
    redis: Redis, key_prefix: str
) -> None:
    queue = make_queue(redis, key_prefix, lease_s=60)
    await queue.push("chat", "m1", "{}", "dead")
    await queue.next("chat", "dead")
    assert (await queue.next("chat", "intruder")).kind == "lost"
    resumed = await queue.next("chat", "dead")  # saq's retry of the same job
    assert (resumed.kind, resumed.message_id) == ("resume", "m1")
    await redis.delete(Keys(key_prefix).lease("chat"))  # the lease ran out
    assert await queue.claim_if_stranded("chat", "janitor") is True
    assert (await queue.next("chat", "janitor")).message_id == "m1"


async def test_extend_refuses_a_turn_that_lost_the_chat(redis: Redis, key_prefix: str) -> None:
    queue = make_queue(redis, key_prefix)
    await queue.push("chat", "m1", "{}", "owner")
    assert await queue.extend("chat", "owner")
    assert not await queue.extend("chat", "someone-else")


async def test_cancel_marks_only_the_running_message(redis: Redis, key_prefix: str) -> None:
    queue = make_queue(redis, key_prefix)
    assert await queue.request_cancel("chat") is None
    await queue.push("chat", "m1", "{}", "t")
    await queue.push("chat", "m2", "{}", "t2")
    await queue.next("chat", "t")
    assert await queue.request_cancel("chat") == "m1"
    assert await queue.is_cancelled("chat", "m1")
    assert not await queue.is_cancelled("chat", "m2")


async def test_an_idle_chat_leaves_the_active_set(redis: Redis, key_prefix: str) -> None:
    queue = make_queue(redis, key_prefix)
    await queue.push("chat", "m1", "{}", "t")
    assert await queue.active_chats() == ["chat"]
    await queue.next("chat", "t")
    await queue.next("chat", "t", finished="m1")
    assert await queue.active_chats() == []


async def test_a_push_after_the_server_forgot_its_scripts_still_records_the_message(
    redis: Redis, key_prefix: str
) -> None:
    """The push's script goes by its hash in a pipeline; a server that restarted (or flushed
    its scripts) answers NOSCRIPT, and the push loads the script and runs it."""
    queue = make_queue(redis, key_prefix)
    await redis.script_flush()
    pushed = await queue.push("chat", "m1", '{"n":1}', "turn-a")
    assert pushed.turn_token == "turn-a" and not pushed.duplicate
    assert await redis.sismember(Keys(key_prefix).active_chats(), "chat")
    assert (await queue.next("chat", "turn-a")).message_id == "m1"


async def test_each_time_a_message_is_handed_over_counts_as_an_attempt(
    redis: Redis, key_prefix: str
) -> None:
    """Taken, then taken again by a turn that resumes it (its worker died): two attempts. Once
    finished, a message's count is gone."""
    queue = make_queue(redis, key_prefix)
    await queue.push("chat", "m1", "{}", "turn-a")
    await queue.push("chat", "m2", "{}", "turn-a")
    assert (await queue.next("chat", "turn-a")).attempts == 1
    resumed = await queue.next("chat", "turn-a")
    assert (resumed.kind, resumed.message_id, resumed.attempts) == ("resume", "m1", 2)
    await queue.give_back_attempt("chat", "m1")  # taken by a turn that handed over first
    assert (await queue.next("chat", "turn-a")).attempts == 2
    after = await queue.next("chat", "turn-a", finished="m1")
    assert (after.message_id, after.attempts) == ("m2", 1)
    assert not await redis.hexists(Keys(key_prefix).attempts("chat"), "m1")
