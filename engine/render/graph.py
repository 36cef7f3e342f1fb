"""The FFmpeg inputs and filter graph of a render, built from a resolved `RenderPlan`.

Where the time goes, and why the graph is shaped this way (x264 is the real cost; everything
else must stay small beside it on a 2-core machine):

- A still is decoded once, scaled once (to ``PRESCALE`` times the canvas, in BT.709 limited
  range) and converted once; only then does ``zoompan`` cut frames from it. Converting a 4K
  full-range JPEG on every output frame cost about half again as much.
- ``zoompan`` crops on whole pixels (even ones in yuv420p), which jitters. The crop width
  therefore changes 4 pixels at a time, so it stays exactly centred (yuv422p lifts the even rule
  vertically), and pre-scaling to 2x makes each step 1 output pixel at the frame's edges and
  less inside. Frames between two steps are identical, so zoompan draws each distinct picture
  once (about 160 for any zoom instead of one per frame) and ``fps`` repeats it by reference;
  x264 also encodes the repeats almost for free.
- Pans need no resampling at all: the pre-scaled still is repeated by reference (``loop``) and
  ``crop`` slides over it one output pixel at a time. ``none`` is just the repeated frame.
- Each text overlay is a single-frame PNG input; ``overlay`` keeps showing its last frame, so a
  PNG is decoded once, converted to yuva420p once, and blended only while ``enable`` is true.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from engine.render.music import (
    SAMPLE_RATE,
    STEREO,
    loudness_chain,
    music_chain,
    silence_chain,
)

# Music under speech: about 12 dB down while the voice is on, back within half a second after.
DUCKING = "sidechaincompress=threshold=0.015:ratio=8:attack=15:release=450:makeup=1"
TEXT_FADE_S = 0.35  # text fades in and out over this long
TEXT_RISE_PX = 16  # and rises this far into place as it comes
PRESCALE = 2.0  # still pre-scale for zooms: each 4-pixel crop step is 2/PRESCALE output px
ZOOM = 1.2  # zoom_in goes 1 -> ZOOM, zoom_out back
PAN_MIN, PAN_MAX = 1.2, 1.5  # pan strip width, times the canvas width
_COLOR = "out_color_matrix=bt709:out_range=tv"
_SCALE_FLAGS = "flags=lanczos+accurate_rnd+full_chroma_int"
_SHARP_FLAGS = "flags=neighbor+full_chroma_int"
# Every clip leaves with the same aspect, colour tags, time base and zero-based timestamps.
_SAME = (
    "setsar=1,setparams=range=tv:colorspace=bt709:color_primaries=bt709:color_trc=bt709,"
    "settb=1/{FPS},setpts=N,"
)


# cover: fill the frame, cropping what is over; contain: all of it, on black; backdrop: all of
# it, on a blurred and darkened copy of itself that fills the frame (a still's default).
Fit = Literal["cover", "contain", "backdrop"]


@dataclass(frozen=True)
class Clip:
    """One stretch of the video track: a still, a video file, or black where nothing is placed."""

    kind: Literal["image", "video", "black"]
    frames: int
    path: Path | None = None
    motion: str = "none"
    fit: Fit = "cover"
    loops: int = 0  # extra passes over a video shorter than its segment
    sharp: bool = False  # a tiny picture: enlarged pixel by pixel, not smeared
    xfade: int = 0  # frames of cross-fade from the clip before (which runs that much longer)


@dataclass(frozen=True)
class TextLayer:
    """A drawn text overlay (PNG) and when it shows."""

    png: Path
    x: int
    y: int
    start_s: float
    end_s: float


@dataclass(frozen=True)
class MusicCue:
    """A stretch of generated music."""

    gen: str | None
    volume: float | None
    start_s: float
    duration_s: float


@dataclass(frozen=True)
class VoiceCue:
    """A spoken sentence (WAV) and when it starts."""

    wav: Path
    start_s: float


@dataclass(frozen=True)
class RenderPlan:
    """Everything the graph needs, with media already resolved to local files."""

    width: int
    height: int
    fps: int
    frames: int
    clips: tuple[Clip, ...]
    layers: tuple[TextLayer, ...] = ()
    music: tuple[MusicCue, ...] = ()
    voices: tuple[VoiceCue, ...] = ()

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps


@dataclass(frozen=True)
class Graph:
    """FFmpeg input arguments, the ``-filter_complex`` text and its two output labels."""

    inputs: list[str]
    filter: str
    video: str
    audio: str


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def _backdrop(width: int, height: int, tag: str, sharp: bool = False) -> str:
    """The picture whole, centred on a blurred, darkened copy of itself that fills the frame:
    nothing of it is cut away whatever the aspect. Labels carry `tag`; the chain goes on after
    the overlay. A `sharp` picture is enlarged pixel by pixel (crisp blocks, not a smear)."""
    flags = _SHARP_FLAGS if sharp else _SCALE_FLAGS
    cover = f"scale={width}:{height}:force_original_aspect_ratio=increase:{_COLOR}:{_SCALE_FLAGS}"
    whole = f"scale={width}:{height}:force_original_aspect_ratio=decrease:{_COLOR}:{flags}"
    sigma = max(8, round(min(width, height) / 40))
    return (
        f"split[{tag}a][{tag}b];"
        f"[{tag}a]{cover},crop={width}:{height},gblur=sigma={sigma},"
        f"eq=brightness=-0.12:saturation=0.85[{tag}bg];"
        f"[{tag}b]{whole}[{tag}fg];"
        f"[{tag}bg][{tag}fg]overlay=x=(W-w)/2:y=(H-h)/2"
    )


def _fit(fit: str, width: int, height: int, tag: str = "fit", sharp: bool = False) -> str:
    """Scale to exactly width x height: cropped (cover), padded with black (contain) or laid on
    a blurred copy of itself (backdrop)."""
    if fit == "backdrop":
        return _backdrop(width, height, tag, sharp)
    if fit == "contain":
        return (
            f"scale={width}:{height}:force_original_aspect_ratio=decrease:{_COLOR}:{_SCALE_FLAGS},"
            f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:black"
        )
    return (
        f"scale={width}:{height}:force_original_aspect_ratio=increase:{_COLOR}:{_SCALE_FLAGS},"
        f"crop={width}:{height}"
    )


def _repeat(frames: int) -> str:
    return f"loop=loop={frames - 1}:size=1:start=0,setpts=N"


def _zoom(plan: RenderPlan, clip: Clip, tag: str) -> str:
    pre_w, pre_h = _even(plan.width * PRESCALE / 2) * 2, _even(plan.height * PRESCALE)
    # The crop narrows 4 pixels at a time, so it stays centred on an even x; in yuv422p y needs
    # no rounding to even. Only `distinct` pictures exist: zoompan draws each once and fps
    # repeats it by reference. A short clip steps on every frame, by the same amount.
    steps, last = round((pre_w - pre_w / ZOOM) / 4), clip.frames - 1
    if steps >= last > 0:
        steps = steps // last * last
    # Eased in and out (half a cosine): the middle moves pi/2 times the mean speed, so that many
    # more pictures keep each step to one crop step there; the slow ends repeat pictures.
    distinct = max(1, min(math.ceil(steps * math.pi / 2) + 1, clip.frames))
    k = f"round({steps}*(1-cos(PI*on/{distinct - 1}))/2)" if distinct > 1 else "0"
    if clip.motion == "zoom_out":
        k = f"({steps}-{k})"
    zoom = f"iw/(iw-4*{k}+0.5)"  # +0.5 survives zoompan's truncation of iw/zoom
    x = "(iw-floor(iw/zoom))/2+0.5"
    y = "round((ih-floor(ih/zoom))/2)+0.25"
    return (
        f"{_fit(clip.fit, pre_w, pre_h, tag, clip.sharp)},format=yuv422p,"
        # zoompan's frames carry no duration, so fps ends at the last one's start: one more
        # picture than needed makes the last wanted one last its full time.
        f"zoompan=z='{zoom}':x='{x}':y='{y}':d={distinct + 1}:s={plan.width}x{plan.height}"
        f":fps={plan.fps * distinct}/{clip.frames},format=yuv420p,fps={plan.fps},"
        f"tpad=stop=-1:stop_mode=clone,trim=end_frame={clip.frames}"
    )


def _pan(plan: RenderPlan, clip: Clip) -> str:
    width, height, last = plan.width, plan.height, max(clip.frames - 1, 1)
    # A strip as wide as the picture allows (within PAN_MIN..PAN_MAX of the canvas), canvas high.
    scale = f"max({PAN_MIN * width}/iw,{height}/ih)"
    strip = f"min(iw,{_even(PAN_MAX * width)})"
    eased = f"(1-cos(PI*n/{last}))/2"  # slow at both ends
    progress = eased if clip.motion == "pan_right" else f"(1-{eased})"
    return (
        f"scale=w='2*trunc(iw*{scale}/2)':h='2*trunc(ih*{scale}/2)':{_COLOR}:{_SCALE_FLAGS},"
        f"crop=w='{strip}':h={height},format=yuv420p,{_repeat(clip.frames)},"
        f"crop={width}:{height}:x='(iw-ow)*{progress}':y=0:exact=1"
    )


def _clip_chain(plan: RenderPlan, clip: Clip, index: int) -> tuple[list[str], str]:
    """Input arguments and the chain (from its input pad) of one clip."""
    size = f"{plan.width}x{plan.height}"
    if clip.kind == "black":
        return [], f"color=c=black:s={size}:r={plan.fps},trim=end_frame={clip.frames},"
    pad = f"[{index}:v]"
    assert clip.path is not None
    if clip.kind == "video":
        inputs = ["-stream_loop", str(clip.loops), "-i", str(clip.path)]
        chain = (
            f"{pad}fps={plan.fps},{_fit(clip.fit, plan.width, plan.height, f'f{index}')},"
            "format=yuv420p,"
            f"tpad=stop=-1:stop_mode=clone,trim=end_frame={clip.frames},"
        )
        return inputs, chain
    # A still: one frame only, even from an animated file.
    head = f"{pad}trim=end_frame=1,"
    if clip.motion in ("zoom_in", "zoom_out"):
        return ["-i", str(clip.path)], f"{head}{_zoom(plan, clip, f'f{index}')},"
    if clip.motion in ("pan_left", "pan_right"):
        return ["-i", str(clip.path)], f"{head}{_pan(plan, clip)},"
    fitted = _fit(clip.fit, plan.width, plan.height, f"f{index}", clip.sharp)
    chain = f"{fitted},format=yuv420p,{_repeat(clip.frames)},"
    return ["-i", str(clip.path)], f"{head}{chain}"


def _faded_layer(plan: RenderPlan, layer: TextLayer, index: int, label: str) -> str:
    """A text picture held for its time (repeated in memory, drawn once), fading in and out,
    placed at its start time."""
    frames = max(1, round((layer.end_s - layer.start_s) * plan.fps))
    shown_s = frames / plan.fps
    fade = min(TEXT_FADE_S, shown_s / 3)
    return (
        f"[{index}:v]format=rgba,settb=1/{plan.fps},{_repeat(frames)},"
        f"fade=t=in:st=0:d={fade:.3f}:alpha=1,"
        f"fade=t=out:st={shown_s - fade:.3f}:d={fade:.3f}:alpha=1,"
        f"setpts=PTS+{layer.start_s:.3f}/TB[{label}]"
    )


def build_graph(plan: RenderPlan) -> Graph:
    """Inputs and filter graph producing `plan.frames` video frames and audio of the same length."""
    inputs: list[str] = []
    chains: list[str] = []
    video = ""
    joined = 0  # frames: where the clip being joined starts in the output
    for number, clip in enumerate(plan.clips):
        clip_inputs, chain = _clip_chain(plan, clip, inputs.count("-i"))
        inputs += clip_inputs
        chains.append(f"{chain}{_SAME}fps={plan.fps}[c{number}]".replace("{FPS}", str(plan.fps)))
        if not video:
            video = f"[c{number}]"
        elif clip.xfade:  # the clip before runs `xfade` frames past this one's start
            chains.append(
                f"{video}[c{number}]xfade=transition=fade:duration={clip.xfade / plan.fps:.4f}"
                f":offset={joined / plan.fps:.4f}[j{number}]"
            )
            video = f"[j{number}]"
        else:
            chains.append(f"{video}[c{number}]concat=n=2:v=1:a=0[j{number}]")
            video = f"[j{number}]"
        after = plan.clips[number + 1].xfade if number + 1 < len(plan.clips) else 0
        joined += clip.frames - after
    for number, layer in enumerate(plan.layers):
        index = inputs.count("-i")
        inputs += ["-i", str(layer.png)]
        chains.append(_faded_layer(plan, layer, index, f"l{number}"))
        start = f"{layer.start_s:.3f}"
        # The text rises a few pixels into place as it fades in.
        y = f"{layer.y}+{TEXT_RISE_PX}*max(0\\,1-(t-{start})/{TEXT_FADE_S})"
        enable = f"gte(t,{start})*lt(t,{layer.end_s:.3f})"
        chains.append(
            f"{video}[l{number}]overlay=x={layer.x}:y='{y}':format=yuv420:eval=frame"
            f":eof_action=pass:enable='{enable}'[t{number}]"
        )
        video = f"[t{number}]"
    chains.append(f"{silence_chain(plan.duration_s)}[silence]")
    beds = [f"[m{number}]" for number in range(len(plan.music))]
    for name, cue in zip(beds, plan.music, strict=True):
        chains.append(music_chain(cue.gen, cue.volume, cue.start_s, cue.duration_s) + name)
    spoken = []
    for number, said in enumerate(plan.voices):
        index = inputs.count("-i")
        inputs += ["-i", str(said.wav)]
        chains.append(
            f"[{index}:a]aresample={SAMPLE_RATE},{STEREO},"
            f"adelay=delays={round(said.start_s * 1000)}:all=1[v{number}]"
        )
        spoken.append(f"[v{number}]")
    mix = ["[silence]"]
    if beds:
        chains.append(f"{''.join(beds)}amix=inputs={len(beds)}:normalize=0[music]")
        mix.append("[music]")
    if spoken:
        chains.append(f"{''.join(spoken)}amix=inputs={len(spoken)}:normalize=0[voice]")
        if beds:  # the music ducks under the voice: the voice keys a compressor on it
            chains.append("[voice]asplit[key][speech]")
            chains.append(f"[music][key]{DUCKING}[ducked]")
            mix[1:] = ["[ducked]", "[speech]"]
        else:
            mix.append("[voice]")
    if len(mix) == 1:
        audio = "[silence]"
    else:
        chains.append(
            f"{''.join(mix)}amix=inputs={len(mix)}:duration=first:normalize=0,"
            f"{loudness_chain()},atrim=duration={plan.duration_s:.3f}[audio]"
        )
        audio = "[audio]"
    return Graph(inputs=inputs, filter=";".join(chains), video=video, audio=audio)
