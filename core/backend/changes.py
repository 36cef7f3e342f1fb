"""What an edit changed, read from the session state before and after it.

The backend's agent may say nothing after an edit, or say it in words that miss a change, so
the bot reads the state itself (`GET .../latest`) before the message goes and after it lands,
and tells the user what changed: "Added the title “Hello”. Aspect 16:9 → 9:16. Length 15 s →
20 s." Only what the state shows is said.

`DraftFacts` is what a person would notice of a draft; it is kept in the work record between
the two reads (a worker may stop in between), so it is small and plain JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from math import gcd
from typing import Any, NamedTuple

from core.backend.nemo.shapes import finite_number
from core.backend.timeline import field_of, segments_of
from core.languages import LANGUAGES, language_name, primary_subtag
from core.texts import text


@dataclass(frozen=True)
class DraftFacts:
    """What a person would notice of a draft."""

    tracks: int = 0
    title: str | None = None
    aspect: str | None = None
    seconds: int = 0
    music: str | None = None  # the music's name ("" when it has none)
    volume: int | None = None  # the music's volume, percent
    captions: tuple[str, ...] = ()  # the captions shown
    voice: str | None = None  # "on" / "off" where the backend says
    language: str | None = None  # the video's language where the backend says

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> DraftFacts:
        data = json.loads(raw)
        data["captions"] = tuple(data.get("captions") or ())
        return cls(**data)


def facts_of(draft: Any, canvas: Any = None) -> DraftFacts:
    """The facts of `draft` (and the state's `canvas_config`), whatever is missing or odd."""
    if not isinstance(draft, Mapping):
        return DraftFacts()
    found = draft.get("m")
    meta: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    tracks = [t for t in draft.get("t") or [] if isinstance(t, Mapping)]
    title = _text(meta.get("title"))
    captions: list[str] = []
    music: str | None = None
    volume: int | None = None
    for track in tracks:
        kind = finite_number(track.get("tt"))
        for segment in segments_of(track):
            role = field_of(segment, track, "role")
            if kind == 7 and role == "title" and title is None:
                title = _text(field_of(segment, track, "text"))
            elif kind == 7 and role != "card" and not field_of(segment, track, "hide"):
                caption = _text(field_of(segment, track, "text"))
                if caption and role != "title":
                    captions.append(caption)
            elif kind == 1 and music is None:
                music = _text(field_of(segment, track, "name")) or ""
                level = finite_number(field_of(segment, track, "vol"))
                if level is not None:
                    volume = round(level * 100 if level <= 1 else level)
    return DraftFacts(
        tracks=len(tracks),
        title=title,
        aspect=_aspect(meta, canvas if isinstance(canvas, Mapping) else {}),
        seconds=round((finite_number(draft.get("d")) or 0) / 1000),
        music=music,
        volume=volume,
        captions=tuple(captions),
        voice=_text(meta.get("voice")),
        language=_text(meta.get("language")),
    )


class Change(NamedTuple):
    """One change, as said to the user, and the words that show an agent already said it."""

    line: str
    words: tuple[str, ...]


def changes(before: DraftFacts, after: DraftFacts, language: str) -> list[Change]:
    """What changed from `before` to `after`, one sentence each, in `language`."""
    if not before.tracks and after.tracks:
        return [Change(_made(after, language), ("explainer", "讲解"))]
    said: list[Change] = []
    if before.title != after.title:
        words = (after.title or before.title or "", "title", "标题")
        if before.title is None:
            line = text("change.title_added", language, title=after.title)
        elif after.title is None:
            line = text("change.title_removed", language, title=before.title)
        else:
            line = text("change.title", language, old=before.title, new=after.title)
        said.append(Change(line, words))
    if before.aspect != after.aspect and after.aspect:
        line = text("change.aspect", language, old=before.aspect or "?", new=after.aspect)
        said.append(Change(line, (after.aspect,)))
    if before.seconds != after.seconds and after.seconds:
        line = text("change.length", language, old=before.seconds, new=after.seconds)
        seconds = after.seconds
        said.append(Change(line, (f"{seconds} sec", f"{seconds}-sec", f"{seconds} 秒")))
    music = _music(before, after, language)
    if music:
        said.append(Change(music, ("music", "音乐", "配乐")))
    if before.captions != after.captions:
        if not after.captions:
            line = text("change.captions_off", language)
        else:
            key = "change.captions_on" if not before.captions else "change.captions"
            line = text(key, language, count=len(after.captions))
        said.append(Change(line, ("caption", "字幕")))
    if before.voice != after.voice and after.voice in ("on", "off"):
        said.append(Change(text(f"change.voice_{after.voice}", language), ("voice", "配音")))
    spoken = primary_subtag(after.language)
    if primary_subtag(before.language) != spoken and spoken in LANGUAGES:
        was = primary_subtag(before.language)
        old = language_name(was, language) if was in LANGUAGES else "?"
        line = text("change.language", language, old=old, new=language_name(spoken, language))
        said.append(Change(line, ("chinese", "english", "中文", "英文", "英语")))
    return said


def unsaid(changed: Sequence[Change], agent_said: str) -> list[str]:
    """The changes the agent's own words do not already mention (its text holds none of the
    change's telling words: the new title, "9:16", "music")."""
    spoken = agent_said.lower()
    return [
        change.line
        for change in changed
        if not any(word and word.lower() in spoken for word in change.words)
    ]


def _music(before: DraftFacts, after: DraftFacts, language: str) -> str | None:
    if before.music == after.music:
        if after.music is not None and before.volume != after.volume and after.volume is not None:
            old = before.volume if before.volume is not None else "?"
            return text("change.volume", language, old=old, new=after.volume)
        return None
    if after.music is None:
        return text("change.music_removed", language)
    if before.music is None:
        return text("change.music_added", language, name=after.music or "♪")
    return text("change.music", language, old=before.music or "♪", new=after.music or "♪")


def _made(after: DraftFacts, language: str) -> str:
    parts = [
        after.aspect or "",
        text("change.made_seconds", language, seconds=after.seconds),
    ]
    if after.captions:
        parts.append(text("change.made_captions", language, count=len(after.captions)))
    if after.music is not None:
        parts.append(text("change.made_music", language, name=after.music or "♪"))
    joiner = text("punct.comma", language)
    return text("change.made", language, parts=joiner.join(part for part in parts if part))


def _aspect(meta: Mapping[str, Any], canvas: Mapping[str, Any]) -> str | None:
    named = _text(meta.get("aspect")) or _text(canvas.get("aspect"))
    if named:
        return named
    width = finite_number(meta.get("width")) or finite_number(canvas.get("width"))
    height = finite_number(meta.get("height")) or finite_number(canvas.get("height"))
    if not (width and height) or width <= 0 or height <= 0:
        return None
    w, h = round(width), round(height)
    common = gcd(w, h)
    return f"{w // common}:{h // common}" if max(w, h) // common <= 32 else f"{w}×{h}"


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    return None
