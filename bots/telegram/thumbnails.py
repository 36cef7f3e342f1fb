"""A video's pictures for Telegram, taken by FFmpeg: its thumbnail (a JPEG under 320 px and
200 KB) and its cover (the picture shown before it plays, Bot API 8.3: the explainer's title
card, at full width up to 1280 px)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from core.subprocesses import finished


async def thumbnail(video: Path, ffmpeg: str, at_s: float = 1.0) -> Path | None:
    """A frame `at_s` into the video; None when FFmpeg cannot take one (the video still goes)."""
    return await _frame(video, ffmpeg, at_s, side=320, quality=5, max_bytes=200_000)


async def cover(video: Path, ffmpeg: str, at_s: float = 1.0) -> Path | None:
    """The cover: the frame `at_s` in (the title card of an explainer), up to 1280 px."""
    return await _frame(video, ffmpeg, at_s, side=1280, quality=3, max_bytes=COVER_MAX_BYTES)


COVER_MAX_BYTES = 5_000_000  # Telegram takes photos up to 10 MB


async def _frame(
    video: Path, ffmpeg: str, at_s: float, *, side: int, quality: int, max_bytes: int
) -> Path | None:
    out = Path(tempfile.mkstemp(suffix=".jpg", prefix="clipbridge-frame-")[1])
    process = await asyncio.create_subprocess_exec(
        ffmpeg, "-hide_banner", "-nostdin", "-y", "-ss", str(at_s), "-i", str(video),
        "-frames:v", "1", "-vf", f"scale={side}:{side}:force_original_aspect_ratio=decrease",
        "-q:v", str(quality), str(out),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await finished(process)
    if process.returncode != 0 or out.stat().st_size == 0 or out.stat().st_size > max_bytes:
        out.unlink(missing_ok=True)
        return None
    return out
