"""The engine's renderer: a draft (see `engine.draft`) and its media files in, an MP4 out.

Output: H.264 (yuv420p, BT.709, +faststart) and AAC in MP4, at the draft's canvas size and
duration, never longer than `RenderOptions.max_duration_s` whatever the draft says. FFmpeg runs
as an asyncio subprocess; progress is reported as 0..1. Every failure is a `RenderError` with a
short reason, and no partial file is left behind, also when the render task is cancelled (FFmpeg
is killed).

The graph itself, and why it is built the way it is, lives in `engine.render.graph`.
"""

from __future__ import annotations

import asyncio
import math
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

from PIL import Image

from engine.draft import ASPECTS, Draft, Segment, TrackType, spoken_text, tracks_of
from engine.render.ffmpeg_process import run_ffmpeg
from engine.render.graph import (
    Clip,
    Fit,
    MusicCue,
    RenderPlan,
    TextLayer,
    VoiceCue,
    build_graph,
)
from engine.render.intake import MAX_SEGMENTS
from engine.render.narration import NarrationError, Narrator
from engine.render.overlays import clean_text, draw_text
from engine.render.probe import ProbeError, probe

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff", ".heic"}
MOTIONS = {"zoom_in", "zoom_out", "pan_left", "pan_right", "none"}
MAX_SIDE = 4096


class RenderError(Exception):
    """A render that could not be made. `reason` is one short line, never a traceback."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RenderOptions:
    """Encoder settings. The bitrate cap bounds pathological (noisy) pictures: at the default,
    60 s stays far below Telegram's 50 MB, while ordinary photos stay under it at crf quality."""

    ffmpeg: str
    preset: str = "veryfast"
    crf: int = 23
    fps: int = 30
    threads: int = 0  # 0: let x264 decide
    maxrate_kbps: int = 3500  # 0: no cap
    tune: str = ""
    audio_kbps: int = 96
    max_duration_s: float = 60.0  # a longer draft is cut here
    narrator: Narrator | None = None  # reads the cards and captions aloud; None: no voice


@dataclass(frozen=True)
class RenderResult:
    """The finished MP4."""

    path: Path
    width: int
    height: int
    duration_s: float
    size_bytes: int


def x264_args(options: RenderOptions) -> list[str]:
    """The video encoder arguments, shared with the benchmark's encoder-only run."""
    args = ["-c:v", "libx264", "-preset", options.preset, "-crf", str(options.crf)]
    if options.maxrate_kbps > 0:
        args += ["-maxrate", f"{options.maxrate_kbps}k", "-bufsize", f"{2 * options.maxrate_kbps}k"]
    if options.tune:
        args += ["-tune", options.tune]
    if options.threads > 0:
        args += ["-threads:v", str(options.threads)]
    args += ["-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_primaries", "bt709"]
    return [*args, "-color_trc", "bt709", "-color_range", "tv"]


def canvas_of(draft: Draft) -> tuple[int, int]:
    meta = draft.get("m", {})
    width, height = meta.get("width", 0), meta.get("height", 0)
    if not (width and height):
        width, height = ASPECTS.get(meta.get("aspect", "16:9"), ASPECTS["16:9"])
    if not (16 <= width <= MAX_SIDE and 16 <= height <= MAX_SIDE) or width % 2 or height % 2:
        raise RenderError(f"unsupported canvas {width}x{height}")
    return width, height


def _frame(ms: float, fps: int) -> int:
    return round(ms * fps / 1000)


def _segments(draft: Draft, kind: TrackType) -> list[Segment]:
    found = [segment for track in tracks_of(draft, kind) for segment in track.get("sg", [])]
    return sorted(found, key=lambda segment: segment.get("s", 0))


def _duration_ms(draft: Draft) -> int:
    ends = [
        seg.get("s", 0) + seg.get("d", 0) for track in draft["t"] for seg in track.get("sg", [])
    ]
    return int(draft.get("d") or max(ends, default=0))


async def _clip(
    segment: Segment, frames: int, media: Mapping[str, Path], options: RenderOptions
) -> Clip:
    src, name = segment.get("src", ""), segment.get("name") or segment.get("src", "?")
    path = media.get(src)
    if path is None:
        raise RenderError(f"no local file for media {name!r}")
    if not path.is_file():
        raise RenderError(f"media file missing for {name!r}")
    kind = segment.get("kind") or ("image" if path.suffix.lower() in IMAGE_SUFFIXES else "video")
    asked = cast(Mapping[str, object], segment).get("fit")
    motion = segment.get("motion", "none")
    if kind == "image":  # fitted whole over a blurred copy of itself, unless a draft says
        still: Fit = (
            "cover" if asked == "cover" else "contain" if asked == "contain" else "backdrop"
        )
        sharp = await asyncio.to_thread(is_tiny, path)
        shown = motion if motion in MOTIONS else "none"
        return Clip("image", frames, path, shown, still, sharp=sharp)
    fit: Fit = "contain" if asked == "contain" else "cover"
    try:
        info = await probe(path, options.ffmpeg)
    except ProbeError as exc:
        raise RenderError(f"unreadable media {name!r}: {exc}") from exc
    if info.video_codec is None:
        raise RenderError(f"media {name!r} has no video stream")
    # Passes over the file for the time the clip shows (which the video's length bounds), not
    # for the time the segment claims.
    shown_s = frames / options.fps
    loops = math.ceil(shown_s / info.duration_s) - 1 if info.duration_s else 0
    return Clip("video", frames, path, fit=fit, loops=min(max(loops, 0), 1000))


async def _clips(
    draft: Draft, media: Mapping[str, Path], total: int, options: RenderOptions
) -> list[Clip]:
    """Video-track segments in sequence; a later segment cuts an earlier one; gaps are black."""
    segments = _segments(draft, TrackType.VIDEO)
    clips: list[Clip] = []
    cursor = 0
    for number, segment in enumerate(segments):
        start = _frame(segment.get("s", 0), options.fps)
        end = min(_frame(segment.get("s", 0) + segment.get("d", 0), options.fps), total)
        if number + 1 < len(segments):
            end = min(end, _frame(segments[number + 1].get("s", 0), options.fps))
        start = max(start, cursor)
        if end <= start:
            continue
        if start > cursor:
            clips.append(Clip("black", start - cursor))
        clip = await _clip(segment, end - start, media, options)
        fade = _frame(max(0, segment.get("xfade", 0)), options.fps)
        if number and clips and start == cursor and clips[-1].kind != "black" and fade:
            # The clip before goes on under this one's first frames: half of either at most.
            fade = min(fade, clip.frames // 2, clips[-1].frames // 2)
            clips[-1] = replace(clips[-1], frames=clips[-1].frames + fade)
            clip = replace(clip, xfade=fade)
        clips.append(clip)
        cursor = end
    if cursor < total:
        clips.append(Clip("black", total - cursor))
    return clips


def _draw_layers(
    draft: Draft, size: tuple[int, int], total_s: float, workdir: Path
) -> list[TextLayer]:
    """Draw every text segment to a PNG in `workdir` (blocking: run it in a thread)."""
    layers: list[TextLayer] = []
    order = {"card": 0, "title": 1, "caption": 2}  # captions on top of a card's dimming
    segments = sorted(
        _segments(draft, TrackType.TEXT), key=lambda seg: order.get(seg.get("role", ""), 2)
    )
    for number, seg in enumerate(segments):
        start_s = seg.get("s", 0) / 1000
        end_s = min(start_s + seg.get("d", 0) / 1000, total_s)
        role, text, sub = seg.get("role", "caption"), seg.get("text", ""), seg.get("sub", "")
        shown = end_s > start_s and not seg.get("hide")
        overlay = draw_text(role, text, sub, *size) if shown else None
        if overlay is None:
            continue
        png = workdir / f"text{number}.png"
        overlay.image.save(png, compress_level=1)
        layers.append(TextLayer(png, overlay.x, overlay.y, start_s, end_s))
    return layers


TINY_SIDE = 135  # a picture whose longer side is under this is enlarged 8x or more at 1080


def is_tiny(path: Path) -> bool:
    """Whether a picture is so small that smoothing it up to the canvas would only smear it."""
    try:
        with Image.open(path) as image:
            return max(image.size) < TINY_SIDE
    except (OSError, ValueError, Image.DecompressionBombError):
        return False  # FFmpeg decides what it can read


SPOKEN_ROLES = ("card", "caption")
VOICE_LEAD_S = 0.15  # the voice starts just after its caption appears


def _speak(draft: Draft, narrator: Narrator, total_s: float, workdir: Path) -> list[VoiceCue]:
    """Each card and caption read aloud into `workdir`, in the draft's language (blocking: run
    it in a thread). A draft that asks for no voice gets none."""
    if draft["m"].get("voice") == "off":
        return []
    language = draft["m"].get("language", "en")
    cues = []
    for number, seg in enumerate(_segments(draft, TrackType.TEXT)):
        start_s = seg.get("s", 0) / 1000 + VOICE_LEAD_S
        if seg.get("role") not in SPOKEN_ROLES or start_s >= total_s:
            continue
        text = spoken_text(seg)
        wav = workdir / f"voice-{number}.wav"
        try:
            spoken_s = narrator.speak(clean_text(text), language, wav)
        except NarrationError as exc:
            raise RenderError(f"the voice-over failed: {exc}") from exc
        if spoken_s > 0:
            cues.append(VoiceCue(wav, start_s))
    return cues


def _music(draft: Draft, total_s: float) -> list[MusicCue]:
    cues = []
    for seg in _segments(draft, TrackType.AUDIO):
        start_s = seg.get("s", 0) / 1000
        duration_s = min(seg.get("d", 0) / 1000, total_s - start_s)
        if duration_s > 0.05:
            cues.append(MusicCue(seg.get("gen"), seg.get("vol"), start_s, duration_s))
    return cues


async def plan_render(
    draft: Draft, media: Mapping[str, Path], workdir: Path, options: RenderOptions
) -> RenderPlan:
    """Resolve a draft into a `RenderPlan`, drawing its text into `workdir`."""
    width, height = canvas_of(draft)
    if sum(len(track.get("sg", [])) for track in draft["t"]) > MAX_SEGMENTS:
        raise RenderError(f"the draft has more than {MAX_SEGMENTS} segments")
    longest = math.floor(options.max_duration_s * options.fps)
    total = min(_frame(_duration_ms(draft), options.fps), longest)
    if total <= 0:
        raise RenderError("the draft has no duration")
    clips = await _clips(draft, media, total, options)
    total_s = total / options.fps
    drawing = asyncio.ensure_future(
        asyncio.to_thread(_draw_layers, draft, (width, height), total_s, workdir)
    )
    try:
        layers = await asyncio.shield(drawing)
    except asyncio.CancelledError:
        await drawing  # the thread cannot be stopped: let it finish before `workdir` goes
        raise
    voices: list[VoiceCue] = []
    if options.narrator is not None:
        speaking = asyncio.ensure_future(
            asyncio.to_thread(_speak, draft, options.narrator, total_s, workdir)
        )
        try:
            voices = await asyncio.shield(speaking)
        except asyncio.CancelledError:
            await speaking
            raise
    return RenderPlan(
        width,
        height,
        options.fps,
        total,
        tuple(clips),
        tuple(layers),
        tuple(_music(draft, total_s)),
        tuple(voices),
    )


def ffmpeg_args(plan: RenderPlan, options: RenderOptions, output: Path) -> list[str]:
    graph = build_graph(plan)
    return [
        options.ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
        "-progress", "pipe:1", "-y", *graph.inputs,
        *graph.filter_args, "-map", graph.video, "-map", graph.audio,
        *x264_args(options), "-r", str(plan.fps),
        "-c:a", "aac", "-b:a", f"{options.audio_kbps}k",
        "-movflags", "+faststart", "-t", f"{plan.duration_s:.3f}", "-f", "mp4", str(output),
    ]  # fmt: skip


async def render_draft(
    draft: Draft,
    media: Mapping[str, Path],
    out: Path,
    options: RenderOptions,
    on_progress: Callable[[float], None] | None = None,
) -> RenderResult:
    """Render `draft` to `out` (MP4). `media` maps each video segment's ``src`` to a local file."""
    partial = out.with_name(f".{out.name}.part")
    try:
        with tempfile.TemporaryDirectory(prefix="render-") as workdir:
            plan = await plan_render(draft, media, Path(workdir), options)
            try:
                ended = await run_ffmpeg(
                    ffmpeg_args(plan, options, partial), plan.duration_s, on_progress
                )
            except OSError as exc:
                raise RenderError(f"cannot run ffmpeg: {exc.strerror or exc}") from exc
            if ended.returncode != 0:
                raise RenderError(
                    ended.reason or f"ffmpeg failed with exit code {ended.returncode}"
                )
            os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    try:
        info = await probe(out, options.ffmpeg)
    except ProbeError as exc:
        out.unlink(missing_ok=True)
        raise RenderError(f"the rendered file is unreadable: {exc}") from exc
    if on_progress is not None:
        on_progress(1.0)
    return RenderResult(
        out, info.width, info.height, info.duration_s or plan.duration_s, out.stat().st_size
    )
