"""Run an action every few seconds for as long as a block of code runs (heartbeats, renewals).

The loop ends on a flag as well as by cancellation. A cancellation that lands inside the action
can be swallowed by the library the action calls (seen with redis-py on Python 3.11, under
load): a loop that relied on it alone kept running, and the block's exit, which waits for the
loop, waited with it, holding the job's slot while the job's heartbeat said it was alive.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager


@asynccontextmanager
async def repeating(every_s: float, action: Callable[[], Awaitable[None]]) -> AsyncIterator[None]:
    """Call `action` every `every_s` while the block runs; an error in it ends the loop."""
    done = asyncio.Event()

    async def loop() -> None:
        while not done.is_set():
            await asyncio.sleep(every_s)
            if not done.is_set():
                await action()

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        done.set()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


class ClaimLost(Exception):
    """A claim renewed by `renewed` (a lock, a lease) was taken or expired while its block ran;
    the block was stopped. Subclasses name the claim."""


@asynccontextmanager
async def renewed(
    every_s: float, renew: Callable[[], Awaitable[bool]], lost: ClaimLost
) -> AsyncIterator[asyncio.Event]:
    """Renew a claim every `every_s` while the block runs.

    `renew` answers False when the claim belongs to someone else now: the block is cancelled
    and `lost` is raised in its place, rather than left to run beside the new holder. `renew`
    raising (Redis away for a moment) is the caller's to log and answer True: the claim lives
    until its own expiry and the next beat tries again. Yields an event set once the claim is
    lost, for a `finally` that must not release what it no longer holds.
    """
    body = asyncio.current_task()
    gone = asyncio.Event()

    async def beat() -> None:
        if gone.is_set() or await renew():
            return
        gone.set()
        if body is not None:
            body.cancel()

    try:
        async with repeating(every_s, beat):
            yield gone
    except asyncio.CancelledError:
        if gone.is_set() and body is not None and body.uncancel() == 0:
            raise lost from None
        raise
