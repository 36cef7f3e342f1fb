"""Making a finished video fit a chat's upload limit: a smaller re-encode with FFmpeg."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from core.subprocesses import finished

log = logging.getLogger(__name__)

AUDIO_BPS = 96_000
MIN_VIDEO_BPS = 250_000  # below this a 1080p explainer is mush: send a link instead
HEADROOM = 0.92  # container overhead and rate-control overshoot


def ffmpeg_path(configured: str = "") -> str:
    if configured:
        return configured
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def target_video_bps(limit_bytes: int, duration_s: float, headroom: float = HEADROOM) -> int:
    return int(limit_bytes * 8 * headroom / max(duration_s, 1.0)) - AUDIO_BPS


async def shrink(
    source: Path, dest: Path, *, limit_bytes: int, duration_s: float, height: int, ffmpeg: str
) -> Path | None:
    """Re-encode `source` under `limit_bytes`; None when that cannot look acceptable."""
    for headroom in (HEADROOM, HEADROOM * 0.8):
        bitrate = target_video_bps(limit_bytes, duration_s, headroom)
        if bitrate < MIN_VIDEO_BPS:
            return None
        scale = [] if bitrate >= 2_500_000 or height <= 720 else ["-vf", "scale=-2:720"]
        command = [
            ffmpeg, "-hide_banner", "-nostdin", "-y", "-i", str(source), *scale,
            "-c:v", "libx264", "-preset", "veryfast", "-b:v", str(bitrate),
            "-maxrate", str(int(bitrate * 1.2)), "-bufsize", str(bitrate * 2),
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", str(AUDIO_BPS),
            "-movflags", "+faststart", str(dest),
        ]  # fmt: skip
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        _, stderr = await finished(process)
        if process.returncode != 0:
            log.warning("re-encode failed: %s", stderr.decode(errors="replace")[-300:])
            return None
        if dest.stat().st_size <= limit_bytes:
            return dest
    dest.unlink(missing_ok=True)
    return None
