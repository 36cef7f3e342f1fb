"""A child process waited for by a coroutine that is cancelled does not live on."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys

from core.subprocesses import finished


async def test_a_cancelled_wait_kills_and_reaps_the_process() -> None:
    said, says = os.pipe()  # the child tells it is up on a pipe of its own
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import os, sys, time; os.write(int(sys.argv[1]), b'up'); "
        "time.sleep(60)", str(says),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, pass_fds=(says,),
    )  # fmt: skip
    os.close(says)
    waiting = asyncio.create_task(finished(process))
    assert await asyncio.to_thread(os.read, said, 2) == b"up"  # running, and waited for
    os.close(said)
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    assert process.returncode is not None and process.returncode < 0  # killed, and reaped


async def test_a_finished_process_gives_its_output() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import sys; sys.stderr.write('said')",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await finished(process)
    assert (process.returncode, stderr) == (0, b"said")
