"""The FFmpeg inputs and filter graph of a render, built from a resolved `RenderPlan`.

Where the time goes, and why the graph is shaped this way (x264 is the real cost; everything
else must stay small beside it on a 2-core machine):

- A still is decoded once, scaled once (to ``PRESCALE`` times the canvas, in BT.709 limited
  range) and converted once; only then does ``zoompan`` cut frames from it. Converting a 4K
  full-range JPEG on every output frame cost about half again as much.
- ``zoompan`` crops on whole pixels (even ones in yuv420p), which jitters. The crop width
  therefore changes 4 pixels at a time, so it stays exactly centred (yuv422p lifts the even rule
  vertically); pre-scaled to 1.5x, a step moves the frame's edges by 1.3 output pixels and its
  inside by less. zoompan draws each step's picture once (a slow zoom is about 50 steps for 10 s)
  and ``setpts`` places picture n where the eased zoom (half a cosine) reaches step n; ``fps``
  repeats each by reference until the next, and x264 encodes the repeats almost for free.
- Clips of one still (the explainer's scenes) share one decode and one pre-scale. A scene's
  cross-fade is an ``xfade`` of the two clips' overlapping frames only, cut out with ``trim``
  and joined by ``concat``: an ``xfade`` over the whole stream copies every frame it passes.
- Pans need no resampling at all: the pre-scaled still is repeated by reference (``loop``) and
  ``crop`` slides over it one output pixel at a time. ``none`` is just the repeated frame.
- Each text overlay is a single-frame PNG input; ``overlay`` keeps showing its last frame, so a
  PNG is decoded once, converted to yuva420p once, and blended only while ``enable`` is true.
"""

from __future__ import annotations

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
PRESCALE = 1.5  # still pre-scale for zooms: each 4-pixel crop step is 2/PRESCALE output px
ZOOM = 1.2  # zoom_in goes 1 -> ZOOM over ZOOM_FULL_S or longer (less in a shorter clip)
ZOOM_FULL_S = 30.0
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
    """FFmpeg input arguments, the two ``-filter_complex`` texts (pictures and sound: FFmpeg
    runs each graph on a thread of its own) and their output labels."""

    inputs: list[str]
    filter: str
    sound: str
    video: str
    audio: str

    @property
    def filter_args(self) -> list[str]:
        return ["-filter_complex", self.filter, "-filter_complex", self.sound]


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


def _prescaled(plan: RenderPlan, clip: Clip, tag: str) -> str:
    """A still fitted to PRESCALE times the canvas, for zoompan to cut from."""
    pre_w, pre_h = _prescale_size(plan)
    return f"{_fit(clip.fit, pre_w, pre_h, tag, clip.sharp)},format=yuv422p"


def _prescale_size(plan: RenderPlan) -> tuple[int, int]:
    return _even(plan.width * PRESCALE / 2) * 2, _even(plan.height * PRESCALE)


def _zoom(plan: RenderPlan, clip: Clip) -> str:
    """The zoom over a pre-scaled still (from its pad on)."""
    pre_w, _ = _prescale_size(plan)
    # A slow, even pace whatever the clip's length: ZOOM over ZOOM_FULL_S, less in a shorter
    # clip. The crop narrows 4 pixels at a time, so it stays centred on an even x; in yuv422p
    # y needs no rounding to even. At most one step per frame on average.
    zoom = 1 + (ZOOM - 1) * min(1.0, clip.frames / plan.fps / ZOOM_FULL_S)
    last = clip.frames - 1
    steps = max(1, min(round((pre_w - pre_w / zoom) / 4), last))
    # Eased in and out (half a cosine): zoompan draws each crop step's picture once, in order,
    # and setpts shows picture n when the eased zoom reaches step n, so the ends linger and
    # the middle moves on every frame or two; fps repeats each picture by reference until the
    # next. One picture more, at the clip's end, makes the last step last its full time.
    k = f"min(on,{steps})"
    if clip.motion == "zoom_out":
        k = f"({steps}-{k})"
    factor = f"iw/(iw-4*{k}+0.5)"  # +0.5 survives zoompan's truncation of iw/zoom
    x = "(iw-floor(iw/zoom))/2+0.5"
    y = "round((ih-floor(ih/zoom))/2)+0.25"
    when = f"if(gt(N,{steps}),{clip.frames},round({last}*acos(1-2*N/{steps})/PI))"
    return (
        f"zoompan=z='{factor}':x='{x}':y='{y}':d={steps + 2}:s={plan.width}x{plan.height}"
        f":fps={plan.fps},setpts='{when}',format=yuv420p,fps={plan.fps},"
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


def _is_zoom(clip: Clip) -> bool:
    return clip.kind == "image" and clip.motion in ("zoom_in", "zoom_out")


def _stills(plan: RenderPlan) -> tuple[list[str], list[str], dict[int, str]]:
    """Each still that zooms or holds, decoded and fitted once however many clips show it (the
    explainer's scenes are one photo): input arguments, chains, and each such clip's chain.

    With a zoom among them the still is fitted at PRESCALE times the canvas and a clip that
    holds still takes it back down to the canvas; otherwise it is fitted at the canvas."""
    users: dict[tuple[Path | None, str, bool], list[int]] = {}
    for number, clip in enumerate(plan.clips):
        if clip.kind == "image" and (clip.motion == "none" or _is_zoom(clip)):
            users.setdefault((clip.path, clip.fit, clip.sharp), []).append(number)
    inputs: list[str] = []
    chains: list[str] = []
    clip_chains: dict[int, str] = {}
    for index, numbers in enumerate(users.values()):
        first = plan.clips[numbers[0]]
        inputs += ["-i", str(first.path)]
        outs = "".join(f"[s{number}]" for number in numbers)
        zooms = any(_is_zoom(plan.clips[number]) for number in numbers)
        if zooms:
            fitted = _prescaled(plan, first, f"s{index}")
        else:
            fitted = _fit(first.fit, plan.width, plan.height, f"s{index}", first.sharp)
        chains.append(f"[{index}:v]trim=end_frame=1,{fitted},split={len(numbers)}{outs}")
        flags = _SHARP_FLAGS if first.sharp else _SCALE_FLAGS
        for number in numbers:
            clip = plan.clips[number]
            if _is_zoom(clip):
                chain = _zoom(plan, clip)
            elif zooms:
                chain = f"scale={plan.width}:{plan.height}:{flags},format=yuv420p,"
                chain += _repeat(clip.frames)
            else:
                chain = f"format=yuv420p,{_repeat(clip.frames)}"
            clip_chains[number] = f"[s{number}]{chain},"
    return inputs, chains, clip_chains


def _clip_chain(plan: RenderPlan, clip: Clip, index: int) -> tuple[list[str], str]:
    """Input arguments and the chain (from its input pad) of black, a video or a pan."""
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
    # A still that pans (one that zooms or holds is one of `_stills`): one frame only, even
    # from an animated file.
    return ["-i", str(clip.path)], f"{pad}trim=end_frame=1,{_pan(plan, clip)},"


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


def _cross_fades(plan: RenderPlan, chains: list[str]) -> list[str]:
    """The clips' pads in order, with each cross-fade made on its own: the outgoing clip's last
    frames and the incoming one's first, blended by ``xfade``, between the two clips' other
    frames. (An ``xfade`` over the whole video costs a frame copy on every frame it passes.)"""
    pieces: list[str] = []
    for number, clip in enumerate(plan.clips):
        fade_in = clip.xfade
        fade_out = plan.clips[number + 1].xfade if number + 1 < len(plan.clips) else 0
        if not (fade_in or fade_out):
            pieces.append(f"[c{number}]")
            continue
        parts = {"h": (0, fade_in), "b": (fade_in, clip.frames - fade_out)}
        parts["t"] = (clip.frames - fade_out, clip.frames)
        kept = {name: span for name, span in parts.items() if span[1] > span[0]}
        pads = "".join(f"[c{number}{name}]" for name in kept)
        if len(kept) > 1:
            chains.append(f"[c{number}]split={len(kept)}{pads}")
        else:
            chains.append(f"[c{number}]null{pads}")
        chains += [
            f"[c{number}{name}]trim=start_frame={first}:end_frame={end},"
            f"setpts=PTS-STARTPTS[p{number}{name}]"
            for name, (first, end) in kept.items()
        ]
        if fade_in:  # the blend of the clip before's tail and this clip's head
            chains.append(
                f"[p{number - 1}t][p{number}h]xfade=transition=fade"
                f":duration={fade_in / plan.fps:.4f}:offset=0,settb=1/{plan.fps},setpts=N"
                f"[x{number}]"
            )
            pieces.append(f"[x{number}]")
        if "b" in kept:
            pieces.append(f"[p{number}b]")
    return pieces


def build_graph(plan: RenderPlan) -> Graph:
    """Inputs and filter graph producing `plan.frames` video frames and audio of the same length."""
    inputs, chains, stills = _stills(plan)
    for number, clip in enumerate(plan.clips):
        if number in stills:
            chain = stills[number]
        else:
            clip_inputs, chain = _clip_chain(plan, clip, inputs.count("-i"))
            inputs += clip_inputs
        chains.append(f"{chain}{_SAME}fps={plan.fps}[c{number}]".replace("{FPS}", str(plan.fps)))
    pieces = _cross_fades(plan, chains)
    video = pieces[0]
    if len(pieces) > 1:
        chains.append(f"{''.join(pieces)}concat=n={len(pieces)}:v=1:a=0[base]")
        video = "[base]"
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
    pictures, chains = chains, [f"{silence_chain(plan.duration_s)}[silence]"]
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
    return Graph(inputs, ";".join(pictures), ";".join(chains), video, audio)
