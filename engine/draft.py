"""The timeline draft, in the backend's short-key JSON.

The documented keys are ``t`` (tracks), ``tt`` (track type), ``sg`` (segments), ``d`` (duration
in ms) and ``m`` (metadata). The keys inside a segment are this engine's own::

    {"t": [
        {"tt": 0, "sg": [{"s": 0, "d": 15000, "src": "<cdn url>", "name": "photo.jpg",
                          "kind": "image", "motion": "zoom_in"}]},
        {"tt": 1, "sg": [{"s": 0, "d": 15000, "name": "Lo-fi", "gen": "lofi", "vol": 0.35}]},
        {"tt": 7, "sg": [{"s": 0, "d": 3000, "text": "What is an AI image?", "role": "card",
                          "sub": "..."},
                         {"s": 3000, "d": 4000, "text": "...", "role": "caption"},
                         {"s": 0, "d": 4000, "text": "Urban Dreams", "role": "title"}]}],
     "d": 15000,
     "m": {"title": "Urban Dreams", "width": 1920, "height": 1080, "aspect": "16:9"}}

Text roles: ``title`` (large, upper third, over the picture), ``caption`` (lower third, boxed,
wrapped), ``card`` (full frame: the picture dimmed behind a centred headline and optional ``sub``).
Motions: ``zoom_in``, ``zoom_out``, ``pan_left``, ``pan_right``, ``none``; the camera eases in
and out. A video segment's ``xfade`` (ms) cross-fades into it from the segment before: the
explainer makes one video segment per scene and dissolves between them. A text segment with
``hide`` is not drawn (captions turned off keep their times and are still read aloud).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Literal, NamedTuple, NotRequired, TypedDict

ASPECTS: dict[str, tuple[int, int]] = {
    "16:9": (1920, 1080),
    "9:16": (1080, 1920),
    "1:1": (1080, 1080),
}

Motion = Literal["zoom_in", "zoom_out", "pan_left", "pan_right", "none"]
TextRole = Literal["title", "caption", "card"]


class TrackType(IntEnum):
    VIDEO = 0
    AUDIO = 1
    TEXT = 7


class Segment(TypedDict):
    s: int  # start, ms
    d: int  # duration, ms
    src: NotRequired[str]  # media URL (video track)
    name: NotRequired[str]  # display name
    kind: NotRequired[Literal["image", "video"]]
    motion: NotRequired[Motion]
    # A still: the whole picture on a blurred copy of itself by default; cover crops to fill;
    # contain letterboxes. A video: cover by default.
    fit: NotRequired[Literal["cover", "contain", "backdrop"]]
    xfade: NotRequired[int]  # ms of cross-fade from the segment before (video track)
    gen: NotRequired[str]  # procedural music preset (audio track)
    vol: NotRequired[float]  # 0..1 (audio track)
    text: NotRequired[str]  # text track
    role: NotRequired[TextRole]
    sub: NotRequired[str]  # second line of a card
    hide: NotRequired[bool]  # a text not drawn (still read aloud)
    say: NotRequired[str]  # what the voice says for this text, when it differs from the screen


class Track(TypedDict):
    tt: int
    sg: list[Segment]


class Meta(TypedDict, total=False):
    title: str
    width: int
    height: int
    aspect: str
    music: Literal["on", "off"]  # "off": the chat turned music off; a new explainer has none
    voice: Literal["on", "off"]  # "off": no voice-over (the chat asked for none)
    language: str  # what the voice-over speaks: "en" or "zh"


class Draft(TypedDict):
    t: list[Track]
    d: int
    m: Meta


def empty_draft(aspect: str = "16:9") -> Draft:
    width, height = ASPECTS[aspect]
    return {"t": [], "d": 0, "m": {"width": width, "height": height, "aspect": aspect}}


def tracks_of(draft: Draft, kind: TrackType) -> list[Track]:
    return [track for track in draft["t"] if track.get("tt") == kind]


def is_exportable(draft: Draft) -> bool:
    """The backend's rule: at least one track with a non-empty segment list."""
    return any(track.get("sg") for track in draft.get("t", []))


class Line(NamedTuple):
    """A caption's words on screen, and what the voice says for it when that differs (a seed's
    ten digits or a file name's underscores show well and read badly)."""

    text: str
    say: str = ""


def spoken_text(segment: Segment) -> str:
    """What the voice-over says for a text segment: its ``say``, else its line and second line."""
    if segment.get("say"):
        return segment["say"]
    return " ".join(part for part in (segment.get("text", ""), segment.get("sub", "")) if part)
