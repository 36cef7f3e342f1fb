"""What FFmpeg says about a media file.

The imageio-ffmpeg wheel ships a static ``ffmpeg`` but no ``ffprobe``, so this reads the stream
report that ``ffmpeg -i FILE`` prints on stderr.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path

from engine.render.ffmpeg_process import reap

_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\S+: Video: (\w+).*?, (\d{2,5})x(\d{2,5})")
_AUDIO = re.compile(r"Stream #\S+: Audio: (\w+)")
_FPS = re.compile(r"([\d.]+) fps")


class ProbeError(Exception):
    """FFmpeg could not read the file as media."""


@dataclass(frozen=True)
class MediaInfo:
    video_codec: str | None
    audio_codec: str | None
    width: int
    height: int
    duration_s: float | None
    fps: float | None


def ffmpeg_binary(configured: str = "") -> str:
    """The configured FFmpeg, else the static binary bundled with the imageio-ffmpeg wheel."""
    if configured:
        return configured
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def parse_report(report: str) -> MediaInfo:
    """Read codecs, size, duration and frame rate out of ``ffmpeg -i`` output."""
    video = _VIDEO.search(report)
    audio = _AUDIO.search(report)
    if video is None and audio is None:
        raise ProbeError("no audio or video stream")
    duration = _DURATION.search(report)
    seconds = None
    if duration:
        hours, minutes, secs = duration.groups()
        seconds = int(hours) * 3600 + int(minutes) * 60 + float(secs)
    fps = None
    if video:
        line_end = report.find("\n", video.start())
        found = _FPS.search(report, video.start(), line_end if line_end >= 0 else len(report))
        fps = float(found.group(1)) if found else None
    return MediaInfo(
        video_codec=video.group(1) if video else None,
        audio_codec=audio.group(1) if audio else None,
        width=int(video.group(2)) if video else 0,
        height=int(video.group(3)) if video else 0,
        duration_s=seconds,
        fps=fps,
    )


async def probe(path: Path, ffmpeg: str) -> MediaInfo:
    """Probe `path` with `ffmpeg -i`; raise ProbeError when it is not readable media."""
    process = await asyncio.create_subprocess_exec(
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-i",
        str(path),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await process.communicate()
    finally:
        await reap(process)
    return parse_report(stderr.decode("utf-8", "replace"))
