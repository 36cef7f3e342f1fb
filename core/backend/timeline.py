"""A one-line timeline summary from the draft's short keys, robust to anything odd in it.

    Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%)
    3. Title: "Urban Dreams" (0-3s)

Keys: ``t`` tracks, ``tt`` type (0 video, 1 audio, 7 text), ``sg`` segments, ``d`` duration ms,
``s`` start ms, ``m`` metadata. A missing or malformed key is skipped, never raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.backend.nemo.shapes import finite_number
from core.texts import join_sentences, msg, text

# What each kind of track is called in the summary.
_LABELS = {
    "video": msg("timeline.video", "Video"),
    "bgm": msg("timeline.bgm", "BGM"),
    "title": msg("timeline.title", "Title"),
    "text": msg("timeline.text", "Text"),
    "other": msg("timeline.other", "Track"),
}
msg("timeline.captions", "{count} captions")
msg("timeline.head", "Timeline ({count} tracks):")
msg("timeline.empty", "Timeline (0 tracks)")
MAX_LABEL = 40


def field_of(segment: Mapping[str, Any], track: Mapping[str, Any], key: str) -> Any:
    """A descriptive field (name, text, role, volume...) where the contract allows it: on the
    segment, in the segment's ``m``, or in the track's ``m``; None when in none."""
    for holder in (segment, segment.get("m"), track.get("m")):
        if isinstance(holder, Mapping) and holder.get(key) is not None:
            return holder[key]
    return None


def segments_of(track: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    raw = track.get("sg")
    return [sg for sg in raw if isinstance(sg, Mapping)] if isinstance(raw, list) else []


def _seconds(ms: float) -> str:
    value = ms / 1000
    return f"{value:g}" if value != int(value) else str(int(value))


def _span(segments: list[Mapping[str, Any]], track: Mapping[str, Any]) -> str:
    starts = [finite_number(field_of(sg, track, "s")) or 0.0 for sg in segments]
    ends = [
        start + (finite_number(field_of(sg, track, "d")) or 0.0)
        for start, sg in zip(starts, segments, strict=True)
    ]
    if not ends or max(ends) <= 0:
        return ""
    return f" ({_seconds(min(starts))}-{_seconds(max(ends))}s"


def _clip(value: Any, fallback: str) -> str:
    text = " ".join(str(value).split()) if isinstance(value, str) and value.strip() else fallback
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1].rstrip() + "…"


def _describe(track: Mapping[str, Any], language: str) -> str:
    words = {kind: text(key, language) for kind, key in _LABELS.items()}
    segments = segments_of(track)
    span = _span(segments, track)
    close = ")" if span else ""
    kind = finite_number(track.get("tt"))
    first = segments[0] if segments else {}

    def get(segment: Mapping[str, Any], key: str) -> Any:
        return field_of(segment, track, key)

    if kind == 0:
        names = list(dict.fromkeys(_clip(get(sg, "name"), "clip") for sg in segments)) or ["clip"]
        label = names[0] if len(names) == 1 else f"{names[0]} +{len(names) - 1}"
        return f"{words['video']}: {label}{span}{close}"
    if kind == 1:
        volume = finite_number(get(first, "vol"))
        level = f", {round(volume * 100 if volume <= 1 else volume)}%" if volume is not None else ""
        name = _clip(get(first, "name"), "music")
        return f"{words['bgm']}: {name}{span}{level if span else ''}{close}"
    if kind == 7:
        titles = [sg for sg in segments if get(sg, "role") == "title"]
        if titles:
            title = _clip(get(titles[0], "text"), "")
            return f'{words["title"]}: "{title}"{_span(titles, track)}{close}'
        if len(segments) == 1:
            return f'{words["text"]}: "{_clip(get(first, "text"), "")}"{span}{close}'
        captions = text("timeline.captions", language, count=len(segments))
        return f"{words['text']}: {captions}{span}{close}"
    return f"{words['other']} {int(kind) if kind is not None else '?'}{span}{close}"


def summarise(draft: Any, language: str = "en") -> str:
    """The documented one-line summary of a draft, in the chat's language."""
    tracks = draft.get("t") if isinstance(draft, Mapping) else None
    usable = (
        [track for track in tracks if isinstance(track, Mapping)]
        if isinstance(tracks, list)
        else []
    )
    if not usable:
        return text("timeline.empty", language)
    items = " ".join(f"{n}. {_describe(track, language)}" for n, track in enumerate(usable, 1))
    return f"{text('timeline.head', language, count=len(usable))} {items}"


def is_exportable(draft: Any) -> bool:
    """Ready for export: at least one track with a non-empty segment list."""
    tracks = draft.get("t") if isinstance(draft, Mapping) else None
    return isinstance(tracks, list) and any(
        isinstance(track, Mapping) and isinstance(track.get("sg"), list) and track["sg"]
        for track in tracks
    )


def canvas_and_duration(draft: Any) -> tuple[int, int, float]:
    """Width, height and seconds the render of this draft will have (1920x1080 when unknown)."""
    meta = draft.get("m") if isinstance(draft, Mapping) else None
    meta = meta if isinstance(meta, Mapping) else {}
    width = finite_number(meta.get("width")) or 1920
    height = finite_number(meta.get("height")) or 1080
    duration = finite_number(draft.get("d")) if isinstance(draft, Mapping) else None
    return int(width), int(height), (duration or 0.0) / 1000


ALT_TEXT_LIMIT = 1000  # Discord takes up to 1024 characters of a file's description
msg("alt.video", "A {seconds}-second video.")
msg("alt.video_with_text", "A {seconds}-second video, with the text: {lines}")


def video_description(draft: Any, language: str = "en") -> str:
    """The video in words, for people who cannot see it (a file's alt text): its length and
    the texts it shows, in order, each once."""
    _, _, seconds = canvas_and_duration(draft)
    shown: list[str] = []
    tracks = draft.get("t") if isinstance(draft, Mapping) else None
    for track in tracks if isinstance(tracks, list) else []:
        if not isinstance(track, Mapping) or finite_number(track.get("tt")) != 7:
            continue
        segments = sorted(segments_of(track), key=lambda sg: finite_number(sg.get("s")) or 0.0)
        for segment in segments:
            if field_of(segment, track, "hide"):
                continue
            for key in ("text", "sub"):
                value = field_of(segment, track, key)
                line = " ".join(value.split()) if isinstance(value, str) else ""
                if line and line not in shown:
                    shown.append(line)
    if not shown:
        return text("alt.video", language, seconds=round(seconds))
    ended = [
        line if line[-1] in '.!?。！？…”"' else text("punct.sentence", language, text=line)
        for line in shown
    ]
    said = text(
        "alt.video_with_text", language, seconds=round(seconds), lines=join_sentences(ended)
    )
    return said if len(said) <= ALT_TEXT_LIMIT else said[: ALT_TEXT_LIMIT - 1] + "…"
