"""The chat's own commands (help, settings) are answered where they arrive when nothing else
runs in the chat: no job, three Redis round trips, and still never lost or out of order."""

from __future__ import annotations

import secrets
from pathlib import Path

from redis.asyncio import Redis

from bots.runtime import running_worker
from core.texts import text
from core.work import Work
from engine.api.server import RunningEngine
from tests.fixtures.core import CoreFor, RecordingSink, message

NO_BACKEND = "http://127.0.0.1:9"  # nothing listens: these commands never call it
HELP = text("help", "en")


async def test_help_is_answered_at_submit_without_a_worker_and_leaves_the_chat_idle(
    core_for: CoreFor, redis: Redis, tmp_path: Path
) -> None:
    sink = RecordingSink(tmp_path / "kept")
    async with core_for(NO_BACKEND, sink, worker=False) as runtime:
        core = runtime.core
        await core.submit(message("c1", command="/help"))
        await core.submit(message("c1", "zh", command="/lang"))
        await core.submit(message("c1", command="/help"))

        assert await core.queue.idle("test:c1")
        assert await core.job_queue.count("incomplete") == 0, "no job was needed"
        assert not await redis.sismember(core.keys.active_chats(), "test:c1")

    assert sink.said("test:c1") == [
        text("help", "en"),
        text("reply.language_set", "zh"),
        text("help", "zh"),  # the chat's language, read by the push itself
    ]


async def test_help_whose_answer_died_with_its_process_is_answered_by_the_janitor(
    core_for: CoreFor, tmp_path: Path
) -> None:
    """The push took the chat's lease, then the process died before answering: the message
    waits in the inbox, and once the lease lapses the janitor's turn answers it, once."""
    sink = RecordingSink(tmp_path / "kept")
    async with core_for(NO_BACKEND, sink, worker=False) as runtime:
        core = runtime.core
        inbound = message("c1", command="/help")
        work = Work(inbound, core.classify(inbound), language="en")
        pushed = await core.queue.push("test:c1", inbound.message_id, work.to_json(), "dead")
        assert pushed.turn_token == "dead"  # what `submit` holds when it answers
        assert not sink.said("test:c1")
        await core.redis.delete(core.keys.lease("test:c1"))  # what the lease running out does

        async with running_worker(core, grace_s=1):
            assert await core.restart_stranded_chats() == 1  # the janitor's minute, now
            await sink.wait_for(lambda s: bool(s.said("test:c1")), 30)
        assert await core.queue.idle("test:c1")

    assert sink.said("test:c1") == [text("help", "en")]


async def test_help_sent_while_a_video_is_made_waits_its_turn(
    core_for: CoreFor, engine: RunningEngine, photo: Path, tmp_path: Path
) -> None:
    sink = RecordingSink(tmp_path / "kept")
    async with core_for(engine.base_url, sink) as runtime:
        core = runtime.core
        await core.submit(message("c1", files=(photo,)))
        submitted = await core.submit(message("c1", command="/help"))
        assert submitted.ahead == 1
        await sink.wait_for(lambda s: HELP in s.said("test:c1"), 90)

    assert not sink.of("problem"), sink.summary()
    kinds = [e.kind for e in sink.events if e.kind in ("video", "reply")]
    help_at = next(i for i, e in enumerate(sink.events) if e.text == HELP)
    video_at = next(i for i, e in enumerate(sink.events) if e.kind == "video")
    assert video_at < help_at, kinds


async def test_a_message_that_arrives_while_help_is_answered_gets_a_turn(
    core_for: CoreFor, engine: RunningEngine, tmp_path: Path
) -> None:
    """The answer's own release finds the next message and hands it to a turn job."""
    sink = RecordingSink(tmp_path / "kept")
    async with core_for(engine.base_url, sink) as runtime:
        core = runtime.core
        inbound = message("c1", command="/help")
        work = Work(inbound, core.classify(inbound), language="en")
        token = secrets.token_hex(8)
        await core.queue.push("test:c1", inbound.message_id, work.to_json(), token)
        await core.submit(message("c1", "status"))  # behind the help: waits in the inbox
        assert not sink.said("test:c1")
        await core.turns.answer_now(work, token, "")
        await sink.wait_for(lambda s: len(s.said("test:c1")) >= 2, 60)

    help_text, status = sink.said("test:c1")
    assert help_text == HELP
    assert status == text("reply.empty_timeline", "en")
