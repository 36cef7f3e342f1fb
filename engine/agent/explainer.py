"""Draft operations of the rule-based editor: the explainer layout and each edit it can make.

Every function takes a draft and returns a new one (the input is never changed), so the editor
can chain them and the session keeps the old draft for undo. The draft format is
`engine.draft`'s; segment times are integer milliseconds.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Callable, Sequence

from engine.agent.phrases import colour_words, say
from engine.agent.provenance_hint import Evidence
from engine.draft import (
    ASPECTS,
    Draft,
    Line,
    Segment,
    Track,
    TrackType,
    empty_draft,
    spoken_text,
)
from engine.state.sessions import Upload

CARD_MS = (1000, 3000)  # bounds of the intro and closing cards
TITLE_MS = 3000
MUSIC_VOLUME = 0.35
BREATH_MS = 600  # after each sentence the voice reads
SCENE_FADE_MS = 700  # scenes dissolve into each other over this long
MIN_PACED_MS, MAX_PACED_MS = 5_000, 60_000
Pace = Callable[[str], int]  # how long saying a sentence takes, in ms
DEFAULT_MUSIC = "lofi"  # the bed every explainer has unless the chat turns music off
MUSIC_NAMES = {
    "lofi": "Lo-fi",
    "ambient": "Ambient",
    "upbeat": "Upbeat",
}  # engine.render.music presets


def orientation(width: int, height: int, chinese: bool) -> str:
    if width == height:
        return say("square", chinese)
    return say("landscape" if width > height else "portrait", chinese)


def describe(upload: Upload, chinese: bool, said: bool = False) -> str:
    """One caption saying what the engine knows about this upload (`said`: as the voice says
    it, without the pixel size)."""
    shape = orientation(upload.width, upload.height, chinese)
    heard = "_said" if said else ""
    if upload.file_type == "video":
        seconds = round(upload.duration or 0)
        return say(
            f"this_clip{heard}",
            chinese,
            width=upload.width,
            height=upload.height,
            orientation=shape,
            seconds=seconds,
        )
    colours = colour_words(upload.colours or ["grey"], chinese)
    return say(
        f"this_image{heard}",
        chinese,
        width=upload.width,
        height=upload.height,
        orientation=shape,
        colours=colours,
    )


def _card_ms(total_ms: int) -> int:
    low, high = CARD_MS
    return max(low, min(high, total_ms // 5))


def caption_segments(
    upload: Upload, total_ms: int, chinese: bool, made: Sequence[Line] = ()
) -> list[Segment]:
    """The explaining captions, evenly over the time between the two cards: what an AI image
    is, how such images are made, this picture, then how this one was made (`made`, from the
    file's own record when the client read one)."""
    lines = _lines(upload, chinese, made)
    card = _card_ms(total_ms)
    step = (total_ms - 2 * card) // len(lines)
    return [_caption(line, card + index * step, step) for index, line in enumerate(lines)]


def _lines(upload: Upload, chinese: bool, made: Sequence[Line]) -> list[Line]:
    general = [Line(say("what", chinese)), Line(say("how", chinese))]
    return [*general, Line(describe(upload, chinese), describe(upload, chinese, said=True)), *made]


def _caption(line: Line, start: int, duration: int) -> Segment:
    caption: Segment = {"s": start, "d": duration, "text": line.text, "role": "caption"}
    if line.say:
        caption["say"] = line.say
    return caption


def build_explainer(
    upload: Upload,
    base: Draft,
    total_ms: int,
    chinese: bool,
    made: Sequence[Line] = (),
    evidence: Evidence = "unstated",
    pace: Pace | None = None,
) -> Draft:
    """The explainer: intro card, the picture with camera motion, captions, closing card.

    The canvas, title, music and voice of `base` are kept, so "make it vertical" before
    "explain" still holds afterwards. The closing line says only what `evidence` (the file's
    own record) supports about this picture. With `pace` (how long a sentence takes to say) the
    script sets the times: each card and caption lasts as long as saying it, and reading it,
    takes; without, they share `total_ms` evenly.
    """
    aspect = base["m"].get("aspect", "16:9")
    draft = empty_draft(aspect if aspect in ASPECTS else "16:9")
    captions = _lines(upload, chinese, made)
    cards = (
        (say("card", chinese), say("card_sub", chinese)),
        (say("closing", chinese), say(f"closing_{evidence}", chinese)),
    )
    if pace is not None:
        texts, total_ms = _paced(cards, captions, pace)
    else:
        texts = _even(cards, captions, total_ms)
    picture: Segment = {"s": 0, "d": total_ms, "src": upload.cdn_url, "name": upload.filename}
    if upload.file_type == "video":  # one clip: a scene cut would start it over
        picture.update({"kind": "video", "motion": "none"})
        pictures = [picture]
    else:
        picture.update({"kind": "image", "motion": "zoom_in"})
        pictures = _scenes(picture, texts, len(made))
    draft["t"] = [{"tt": TrackType.VIDEO, "sg": pictures}, {"tt": TrackType.TEXT, "sg": texts}]
    draft["d"] = total_ms
    draft["m"]["language"] = "zh" if chinese else "en"
    if base["m"].get("voice") == "off":
        draft["m"]["voice"] = "off"
    title = base["m"].get("title")
    if title:
        draft = set_title(draft, title)
    music = _track(base, TrackType.AUDIO)
    if music is not None and music["sg"]:
        draft = set_music(draft, music["sg"][0].get("gen", DEFAULT_MUSIC))
    elif base["m"].get("music") != "off":  # a music bed unless the chat turned it off
        draft = set_music(draft, DEFAULT_MUSIC)
    return draft


def _scenes(picture: Segment, texts: list[Segment], made: int) -> list[Segment]:
    """The picture once per scene, dissolving into the next: the intro card; what AI images
    are and how they are made; this picture; how this one was made (when the file says); the
    closing card. A scene spans its texts' time; behind a card the picture holds still, in
    between it slowly zooms in."""
    sizes = [1, 2, 1, made, 1] if made else [1, 2, 1, 1]
    scenes: list[Segment] = []
    first = 0
    for number, size in enumerate(sizes):
        group = texts[first : first + size]
        first += size
        scene = copy.deepcopy(picture)
        scene["s"] = group[0]["s"]
        scene["d"] = group[-1]["s"] + group[-1]["d"] - group[0]["s"]
        if number in (0, len(sizes) - 1):
            scene["motion"] = "none"
        if scenes:
            scene["xfade"] = SCENE_FADE_MS
        scenes.append(scene)
    return scenes


def _even(cards: tuple[tuple[str, str], ...], captions: list[Line], total_ms: int) -> list[Segment]:
    card = _card_ms(total_ms)
    step = (total_ms - 2 * card) // len(captions)
    (intro, intro_sub), (closing, closing_sub) = cards
    first: Segment = {"s": 0, "d": card, "text": intro, "sub": intro_sub, "role": "card"}
    last: Segment = {"s": total_ms - card, "d": card, "text": closing, "sub": closing_sub}
    last["role"] = "card"
    middle = [_caption(line, card + index * step, step) for index, line in enumerate(captions)]
    return [first, *middle, last]


def _paced(
    cards: tuple[tuple[str, str], ...], captions: list[Line], pace: Pace
) -> tuple[list[Segment], int]:
    """Each piece as long as saying it (plus a breath) and reading it take; the video as long
    as they add up to, within the engine's bounds (scaled to fit when the script runs over)."""
    pieces = _even(cards, captions, MIN_PACED_MS)
    start = 0
    for piece in pieces:
        shown = " ".join(part for part in (piece.get("text", ""), piece.get("sub", "")) if part)
        piece["s"] = start
        piece["d"] = max(pace(spoken_text(piece)) + BREATH_MS, reading_ms(shown))
        start += piece["d"]
    total = max(MIN_PACED_MS, min(start, MAX_PACED_MS))
    if total != start:
        for piece in pieces:
            piece["s"] = piece["s"] * total // start
            piece["d"] = max(1, piece["d"] * total // start)
    return pieces, total


def reading_ms(text: str) -> int:
    """How long reading `text` takes: about 3 words, or 6 CJK characters, a second."""
    wide = sum(1 for char in text if unicodedata.east_asian_width(char) in "WF")
    words = len(text.split()) if wide == 0 else len([w for w in text.split() if w.isascii()])
    return round(1000 * (wide / 6 + words / 3))


def set_aspect(draft: Draft, aspect: str) -> Draft:
    result = copy.deepcopy(draft)
    width, height = ASPECTS[aspect]
    result["m"].update({"width": width, "height": height, "aspect": aspect})
    return result


def set_duration(draft: Draft, total_ms: int) -> Draft:
    """Stretch every segment in proportion so the timeline runs `total_ms`."""
    result = copy.deepcopy(draft)
    old = draft["d"] or total_ms
    for track in result["t"]:
        for segment in track["sg"]:
            end = round((segment["s"] + segment["d"]) * total_ms / old)
            segment["s"] = round(segment["s"] * total_ms / old)
            segment["d"] = max(1, min(end, total_ms) - segment["s"])
    result["d"] = total_ms
    return result


def set_title(draft: Draft, title: str | None) -> Draft:
    """Put `title` over the first seconds (replacing any title); None removes it."""
    result = copy.deepcopy(draft)
    texts = _track(result, TrackType.TEXT) or _add_track(result, TrackType.TEXT)
    texts["sg"] = [segment for segment in texts["sg"] if segment.get("role") != "title"]
    result["m"].pop("title", None)
    if title:
        end = min(TITLE_MS, result["d"]) if result["d"] else TITLE_MS
        texts["sg"].append({"s": 0, "d": end, "text": title, "role": "title"})
        result["m"]["title"] = title
    return result


def set_captions(draft: Draft, captions: list[Segment]) -> Draft:
    """Replace every caption with `captions` (an empty list turns captions off)."""
    result = copy.deepcopy(draft)
    texts = _track(result, TrackType.TEXT) or _add_track(result, TrackType.TEXT)
    kept = [segment for segment in texts["sg"] if segment.get("role") != "caption"]
    texts["sg"] = sorted([*kept, *captions], key=lambda segment: segment["s"])
    return result


def single_caption(draft: Draft, text: str) -> list[Segment]:
    """One caption spanning the time between the cards."""
    card = _card_ms(draft["d"])
    return [{"s": card, "d": max(1, draft["d"] - 2 * card), "text": text, "role": "caption"}]


def set_music(draft: Draft, preset: str | None) -> Draft:
    """Background music of the renderer's `preset` over the whole video; None removes it, and
    the draft remembers that it was turned off (a new explainer then has none)."""
    result = copy.deepcopy(draft)
    result["m"]["music"] = "on" if preset else "off"
    result["t"] = [track for track in result["t"] if track["tt"] != TrackType.AUDIO]
    if preset:
        music: Segment = {"s": 0, "d": result["d"], "name": MUSIC_NAMES.get(preset, preset)}
        music.update({"gen": preset, "vol": MUSIC_VOLUME})
        result["t"].append({"tt": TrackType.AUDIO, "sg": [music]})
    return result


def has_captions(draft: Draft, shown: bool = True) -> bool:
    """Whether the draft has captions (`shown`: ones drawn, not hidden)."""
    texts = _track(draft, TrackType.TEXT)
    return texts is not None and any(
        seg.get("role") == "caption" and not (shown and seg.get("hide")) for seg in texts["sg"]
    )


def show_captions(draft: Draft, shown: bool) -> Draft:
    """Draw the captions, or hide them: a hidden caption keeps its time and is still read
    aloud, so turning captions back on brings back the same ones in the same places."""
    result = copy.deepcopy(draft)
    texts = _track(result, TrackType.TEXT)
    for segment in texts["sg"] if texts else []:
        if segment.get("role") == "caption":
            if shown:
                segment.pop("hide", None)
            else:
                segment["hide"] = True
    return result


def _track(draft: Draft, kind: TrackType) -> Track | None:
    return next((track for track in draft["t"] if track["tt"] == kind), None)


def _add_track(draft: Draft, kind: TrackType) -> Track:
    track: Track = {"tt": kind, "sg": []}
    draft["t"].append(track)
    return track
