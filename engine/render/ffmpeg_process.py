"""FFmpeg as an asyncio subprocess: progress as it runs, the reason when it fails, no orphans.

The event loop stays free while FFmpeg works (the engine's HTTP server keeps answering). The
caller passes ``-progress pipe:1`` so stdout carries ``key=value`` progress blocks; stderr
(best run with ``-loglevel error``) is kept as a short tail to explain a failure. If the awaiting
task is cancelled, FFmpeg is killed and reaped before the cancellation propagates.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

ProgressCallback = Callable[[float], None]

_LOG_PREFIX = re.compile(r"^(\[[^\]]* @ (0x)?[0-9a-fA-F]+\]\s*)+")
# Lines FFmpeg prints after the real error (from its threads winding down, in any order);
# they explain nothing on their own.
_GENERIC = (
    "conversion failed",
    "error opening output file",
    "error opening input files",
    "task finished with error code",
    "terminating thread with return code",
    "could not open encoder before eof",
    "nothing was written into output file",
    "cannot determine format of input",
    "decode error rate",
    "error while filtering",
    "error number",
    "exiting normally",
)
MAX_REASON = 240


@dataclass(frozen=True)
class FFmpegExit:
    """How FFmpeg ended: its exit code and, for a failure, the most telling stderr line."""

    returncode: int
    reason: str


def failure_reason(lines: Iterable[str]) -> str:
    """The last stderr line that says something specific, without FFmpeg's ``[ctx @ 0x..]``."""
    cleaned = [_LOG_PREFIX.sub("", line).strip() for line in lines]
    cleaned = [line for line in cleaned if line]
    specific = [line for line in cleaned if not any(g in line.lower() for g in _GENERIC)]
    chosen = (specific or cleaned or [""])[-1]
    return chosen[:MAX_REASON]


def progress_seconds(line: str) -> float | None:
    """Seconds of output written, from an ``out_time_us=`` progress line (None for others)."""
    key, _, value = line.partition("=")
    if key != "out_time_us" or not value.strip().lstrip("-").isdigit():
        return None
    return max(int(value) / 1_000_000, 0.0)


async def _report_progress(
    stream: asyncio.StreamReader, duration_s: float, on_progress: ProgressCallback | None
) -> None:
    reported = 0.0
    async for raw in stream:
        seconds = progress_seconds(raw.decode("utf-8", "replace").strip())
        if seconds is None or on_progress is None or duration_s <= 0:
            continue
        # Held below 1 until the file is finished (the faststart pass comes after the last frame).
        fraction = min(seconds / duration_s, 0.99)
        if fraction > reported:
            reported = fraction
            on_progress(fraction)


async def _tail(stream: asyncio.StreamReader, keep: int = 40) -> list[str]:
    lines: deque[str] = deque(maxlen=keep)
    async for raw in stream:
        lines.append(raw.decode("utf-8", "replace").rstrip())
    return list(lines)


async def reap(process: asyncio.subprocess.Process) -> None:
    """Kill the process if it still runs, and wait for it: FFmpeg never outlives its caller."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


async def run_ffmpeg(
    args: Sequence[str], duration_s: float, on_progress: ProgressCallback | None = None
) -> FFmpegExit:
    """Run FFmpeg (`args[0]` is the binary) to completion; OSError if it cannot start."""
    process = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    tail = asyncio.create_task(_tail(process.stderr))
    try:
        await _report_progress(process.stdout, duration_s, on_progress)
        returncode = await process.wait()
        lines = await tail
    finally:
        await reap(process)  # cancelled, or the progress callback raised: it ends here
        if not tail.done():
            tail.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await tail
    return FFmpegExit(returncode, failure_reason(lines) if returncode else "")
