"""Child processes (FFmpeg) that never outlive the coroutine waiting for them.

`asyncio`'s `communicate()` and `wait()` return on cancellation and leave the child running: a
worker stopping mid-delivery left its re-encode behind, working for nobody, its pipe open."""

from __future__ import annotations

import asyncio
import contextlib


async def finished(process: asyncio.subprocess.Process) -> tuple[bytes, bytes]:
    """`process.communicate()`; the process killed and reaped when the wait is interrupted."""
    try:
        return await process.communicate()
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
