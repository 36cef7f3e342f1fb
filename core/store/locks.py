"""A Redis lock held for exactly as long as a block of code runs.

saq retries a job whose heartbeat went quiet, but it cannot stop the original: a worker whose
event loop was starved, or that waited out a Redis restart, runs on beside the retry. Work that
must happen once (an export step, which may send a video) runs under this lock. The lock expires
on its own when its holder dies; while the holder lives it is renewed in the background, and if
it is lost all the same (Redis forgot it over an outage longer than its lifetime) the block is
stopped with `LockLost` rather than left to run beside a new holder.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from redis.asyncio import Redis
from redis.exceptions import LockError, LockNotOwnedError

from core.repeating import ClaimLost, renewed
from core.store.connection import REDIS_ERRORS

log = logging.getLogger(__name__)


class LockLost(ClaimLost):
    """The block's lock expired or was taken while it ran; the block was stopped."""


@asynccontextmanager
async def exclusive(redis: Redis, key: str, ttl_s: float) -> AsyncIterator[bool]:
    """Yield True with the lock held and renewed every `ttl_s / 3`, or False at once when
    another holder has it."""
    lock = redis.lock(key, timeout=ttl_s, blocking=False, thread_local=False)
    if not await lock.acquire():
        yield False
        return

    async def renew() -> bool:
        try:
            await lock.reacquire()
        except LockNotOwnedError:
            log.error("exclusive lock lost; stopping the work it guarded")
            return False
        except REDIS_ERRORS:  # Redis away for a moment: the lock lives on until its TTL
            log.warning("exclusive lock renewal failed; trying again", exc_info=True)
        return True

    lost = asyncio.Event()
    try:
        async with renewed(
            ttl_s / 3, renew, LockLost("the lock was lost while the work ran")
        ) as lost:
            yield True
    finally:
        if not lost.is_set():
            with suppress(LockError, *REDIS_ERRORS):  # expired or unreachable: it ends by its TTL
                await lock.release()
