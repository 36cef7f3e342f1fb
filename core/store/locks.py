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
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any, cast

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.commands.core import AsyncScript
from redis.exceptions import LockError, LockNotOwnedError

from core.repeating import ClaimLost, renewed
from core.store.connection import REDIS_ERRORS, Batch, one_server

log = logging.getLogger(__name__)


class LockLost(ClaimLost):
    """The block's lock expired or was taken while it ran; the block was stopped."""


@dataclass(frozen=True)
class Claim:
    mine: bool  # the lock is held
    read: list[Any]  # what the caller's reads returned, in the lock's round trip
    # Runs a batch of the block's last writes and releases the lock after them.
    _release_with: Callable[[Batch], Awaitable[list[Any]]] | None = None

    async def release_with(self, batch: Batch) -> list[Any]:
        """Run the caller's batch (the block's last writes) and release the lock after its
        commands: in the same round trip on one server, right after it on a cluster, whose
        nodes do not keep one pipeline's order. What the batch's commands returned.

        The block must not write after it. Should the batch fail, the block's end releases
        the lock as usual."""
        if self._release_with is None:
            raise LockError("the lock is not held")
        return await self._release_with(batch)


@asynccontextmanager
async def exclusive(redis: Redis, key: str, ttl_s: float) -> AsyncIterator[bool]:
    """Yield True with the lock held and renewed every `ttl_s / 3`, or False at once when
    another holder has it."""
    async with exclusive_reading(redis, key, ttl_s) as claim:
        yield claim.mine


@asynccontextmanager
async def exclusive_reading(
    redis: Redis,
    key: str,
    ttl_s: float,
    reads: Callable[[Pipeline], object] | None = None,
    *,
    writes: Callable[[Pipeline], object] | None = None,
) -> AsyncIterator[Claim]:
    """`exclusive`, with the commands `reads` adds to the lock's pipeline read in the same
    round trip (whether or not the lock is taken), and those `writes` adds sent ahead of the
    lock's: an error in any of them is raised, and the block does not run."""
    lock = redis.lock(key, timeout=ttl_s, blocking=False, thread_local=False)
    token = uuid.uuid4().hex.encode()
    async with redis.pipeline(transaction=False) as pipe:
        if writes is not None:
            writes(pipe)
        written = len(pipe)
        pipe.set(key, token, nx=True, px=int(ttl_s * 1000))
        if reads is not None:
            reads(pipe)
        taken, *read = (await pipe.execute())[written:]
    if not taken:
        yield Claim(False, read)
        return
    lock.local.token = token  # what `acquire` would have kept: renewals and release use it
    releasing = False  # the block's last writes carry the release
    released = False

    async def renew() -> bool:
        if releasing:
            return True
        try:
            await lock.reacquire()
        except LockNotOwnedError:
            if releasing:  # released while this renewal was on its way
                return True
            log.error("exclusive lock lost; stopping the work it guarded")
            return False
        except REDIS_ERRORS:  # Redis away for a moment: the lock lives on until its TTL
            log.warning("exclusive lock renewal failed; trying again", exc_info=True)
        return True

    async def release_with(last: Batch) -> list[Any]:
        nonlocal releasing, released
        releasing = True
        release = cast(AsyncScript, lock.lua_release)  # registered by the lock
        if not one_server(redis):
            results = await last.execute()
            with suppress(LockError, *REDIS_ERRORS):  # the writes are done; it ends by its TTL
                await lock.release()
        else:
            last.script(release, [key], [token])
            *results, _ = await last.execute()
        released = True
        return results

    lost = asyncio.Event()
    try:
        async with renewed(
            ttl_s / 3, renew, LockLost("the lock was lost while the work ran")
        ) as lost:
            yield Claim(True, read, release_with)
    finally:
        if not lost.is_set() and not released:
            with suppress(LockError, *REDIS_ERRORS):  # expired or unreachable: it ends by its TTL
                await lock.release()
