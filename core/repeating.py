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
