"""A video's thumbnail for Telegram: a JPEG under 320 px and 200 KB, taken by FFmpeg."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path


async def thumbnail(video: Path, ffmpeg: str, at_s: float = 1.0) -> Path | None:
    """A frame `at_s` into the video; None when FFmpeg cannot take one (the video still goes)."""
    out = Path(tempfile.mkstemp(suffix=".jpg", prefix="clipbridge-thumb-")[1])
    process = await asyncio.create_subprocess_exec(
        ffmpeg, "-hide_banner", "-nostdin", "-y", "-ss", str(at_s), "-i", str(video),
        "-frames:v", "1", "-vf", "scale=320:320:force_original_aspect_ratio=decrease",
        "-q:v", "5", str(out),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    if await process.wait() != 0 or out.stat().st_size == 0 or out.stat().st_size > 200_000:
        out.unlink(missing_ok=True)
        return None
    return out
