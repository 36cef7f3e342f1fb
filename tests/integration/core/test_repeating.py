"""Job heartbeats and lock renewals: the loop ends with its block, whatever the action does."""

from __future__ import annotations

import asyncio
import contextlib

from core.repeating import repeating


async def test_the_block_ends_even_when_the_action_swallows_its_cancellation() -> None:
    started = asyncio.Event()
    calls = 0

    async def swallowing() -> None:  # what a library caught mid-command may do
        nonlocal calls
        calls += 1
        started.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(0.5)

    async def block() -> None:
        async with repeating(0.01, swallowing):
            await started.wait()

    await asyncio.wait_for(block(), 10)
    assert calls == 1  # the loop stopped after the swallowed cancellation


async def test_the_action_runs_every_period_while_the_block_runs() -> None:
    beats = 0
    three = asyncio.Event()

    async def beat() -> None:
        nonlocal beats
        beats += 1
        if beats == 3:
            three.set()

    async with repeating(0.01, beat):
        await asyncio.wait_for(three.wait(), 10)
