"""The lock an export step runs under, and the batches its last writes go in, against the real
Redis."""

from __future__ import annotations

import asyncio
import time

import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from core.store import Batch, exclusive, exclusive_reading
from core.store.locks import LockLost


async def test_a_second_holder_is_refused_until_the_first_is_done(
    redis: Redis, key_prefix: str
) -> None:
    key = f"{key_prefix}:lock"
    async with exclusive(redis, key, 5.0) as first, exclusive(redis, key, 5.0) as second:
        assert (first, second) == (True, False)
    async with exclusive(redis, key, 5.0) as third:
        assert third
    assert not await redis.exists(key)


async def test_the_lock_is_kept_while_the_work_outlasts_its_lifetime(
    redis: Redis, key_prefix: str
) -> None:
    key, ttl_s = f"{key_prefix}:lock", 0.3
    async with exclusive(redis, key, ttl_s) as mine:
        assert mine
        ends = time.monotonic() + 4 * ttl_s
        while time.monotonic() < ends:  # long work, checked by a rival all along
            async with exclusive(redis, key, ttl_s) as rival:
                assert not rival
            await asyncio.sleep(ttl_s / 4)


async def test_work_whose_lock_was_lost_is_stopped(redis: Redis, key_prefix: str) -> None:
    key, ttl_s = f"{key_prefix}:lock", 0.3

    async def work() -> None:
        async with exclusive(redis, key, ttl_s) as mine:
            assert mine
            await redis.delete(key)  # what a Redis restarted without the key does
            await asyncio.Event().wait()  # work that would otherwise run on

    with pytest.raises(LockLost):
        await asyncio.wait_for(work(), 10)


async def test_the_last_writes_release_the_lock_in_their_round_trip(
    redis: Redis, key_prefix: str
) -> None:
    key, done, ttl_s = f"{key_prefix}:lock", f"{key_prefix}:done", 0.3
    async with exclusive_reading(redis, key, ttl_s) as claim:
        assert claim.mine
        batch = Batch(redis)
        batch.pipe.set(done, "1")
        assert await claim.release_with(batch) == [True]
        assert await redis.get(done) == b"1"
        # Free for the next holder while this block still runs; the block's renewals, every
        # third of the lifetime, leave the lock alone now rather than find it lost.
        async with exclusive(redis, key, 5.0) as next_holder:
            assert next_holder
            await asyncio.sleep(ttl_s)
        assert not await redis.exists(key)


async def test_a_batch_runs_a_script_the_server_does_not_know_yet(
    redis: Redis, key_prefix: str
) -> None:
    """As after a restart or a failover: the script is answered NOSCRIPT while the commands
    around it run, then run on its own, once."""
    log = f"{key_prefix}:log"
    # A script of its own (the prefix in a comment): no test has loaded it.
    append = redis.register_script(f"-- {key_prefix}\nreturn redis.call('RPUSH', KEYS[1], ARGV[1])")

    async def run(*items: str) -> list[object]:
        batch = Batch(redis)
        batch.pipe.rpush(log, items[0])
        batch.script(append, [log], [items[1]])
        batch.pipe.rpush(log, items[2])
        return await batch.execute()

    assert await run("a", "b", "c") == [1, 3, 2]
    assert await redis.lrange(log, 0, -1) == [b"a", b"c", b"b"]
    # Known now: it runs in its place.
    assert await run("d", "e", "f") == [4, 5, 6]
    assert await redis.lrange(log, 3, -1) == [b"d", b"e", b"f"]


async def test_a_batch_raises_the_first_error_after_every_command_ran(
    redis: Redis, key_prefix: str
) -> None:
    text, number = f"{key_prefix}:text", f"{key_prefix}:number"
    await redis.set(text, "not a number")
    batch = Batch(redis)
    batch.pipe.incr(text)
    batch.pipe.incr(number)
    with pytest.raises(ResponseError, match="not an integer"):
        await batch.execute()
    assert await redis.get(number) == b"1"
