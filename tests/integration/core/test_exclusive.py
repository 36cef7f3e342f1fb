"""The lock an export step runs under, against the real Redis."""

from __future__ import annotations

import asyncio
import time

import pytest
from redis.asyncio import Redis

from core.store import exclusive
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
