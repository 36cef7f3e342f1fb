"""What an edit changed, said from the session state before and after it."""

from __future__ import annotations

from typing import Any

import pytest

from core.backend.changes import DraftFacts, changes, facts_of, unsaid


def draft(
    *,
    title: str | None = None,
    aspect: str = "16:9",
    ms: int = 15000,
    music: str | None = "Lo-fi",
    captions: tuple[str, ...] = ("One", "Two"),
    where: str = "segment",
) -> dict[str, Any]:
    """An explainer-like draft; `where` puts the descriptive fields on the segment, in its
    `m`, or in the track's `m`."""
    width, height = {"16:9": (1920, 1080), "9:16": (1080, 1920), "1:1": (1080, 1080)}[aspect]

    def segment(start: int, fields: dict[str, Any]) -> dict[str, Any]:
        if where == "segment":
            return {"s": start, "d": 1000, **fields}
        return {"s": start, "d": 1000, "m": fields}

    texts = [segment(0, {"text": "Intro", "role": "card"})]
    texts += [
        segment(1000 * (n + 1), {"text": c, "role": "caption"}) for n, c in enumerate(captions)
    ]
    if title:
        texts.append(segment(0, {"text": title, "role": "title"}))
    tracks: list[dict[str, Any]] = [
        {"tt": 0, "sg": [{"s": 0, "d": ms, "name": "photo.jpg"}]},
        {"tt": 7, "sg": texts},
    ]
    if music:
        fields = {"name": music, "vol": 0.35}
        if where == "track m":
            tracks.append({"tt": 1, "sg": [{"s": 0, "d": ms}], "m": fields})
        else:
            tracks.append({"tt": 1, "sg": [segment(0, fields)]})
    return {"t": tracks, "d": ms, "m": {"width": width, "height": height}}


def said(before: dict[str, Any], after: dict[str, Any], language: str = "en") -> list[str]:
    return [c.line for c in changes(facts_of(before), facts_of(after), language)]


@pytest.mark.parametrize("where", ["segment", "segment m", "track m"])
def test_title_aspect_and_length_in_one_edit(where: str) -> None:
    before = draft(where=where)
    after = draft(title="Hello", aspect="9:16", ms=20000, where=where)

    assert said(before, after) == [
        "Added the title “Hello”.",
        "Aspect 16:9 → 9:16.",
        "Length 15 s → 20 s.",
    ]


def test_in_chinese() -> None:
    assert said(draft(), draft(title="你好", music="Upbeat"), "zh") == [
        "已添加标题“你好”。",
        "背景音乐“Lo-fi” → “Upbeat”。",
    ]


def test_music_and_captions_on_and_off() -> None:
    assert said(draft(), draft(music=None, captions=())) == [
        "Removed the music.",
        "Captions off.",
    ]
    assert said(draft(music=None, captions=()), draft()) == [
        "Added music “Lo-fi”.",
        "Captions on (2).",
    ]


def test_nothing_changed_says_nothing() -> None:
    assert said(draft(title="A"), draft(title="A")) == []


def test_a_first_video_is_described_whole() -> None:
    assert said({"t": [], "d": 0, "m": {}}, draft()) == [
        "The video: 16:9, 15 s, 2 captions, music “Lo-fi”."
    ]


def test_what_the_agent_already_said_is_not_said_again() -> None:
    lines = changes(facts_of(draft()), facts_of(draft(title="Cabin", aspect="9:16")), "en")

    assert unsaid(lines, "The canvas is now 9:16 (1080×1920).") == ["Added the title “Cabin”."]
    assert unsaid(lines, "") == ["Added the title “Cabin”.", "Aspect 16:9 → 9:16."]


def test_facts_survive_the_work_record() -> None:
    facts = facts_of(draft(title="Hi"))
    assert DraftFacts.from_json(facts.to_json()) == facts


def test_the_aspect_comes_from_the_canvas_when_the_draft_has_none() -> None:
    bare = {"t": [{"tt": 0, "sg": [{"s": 0, "d": 1000}]}], "d": 1000, "m": {}}
    assert facts_of(bare, {"width": 1080, "height": 1920}).aspect == "9:16"
    assert facts_of(bare, {"aspect": "4:5"}).aspect == "4:5"


@pytest.mark.parametrize("odd", [None, [], {"t": "x"}, {"t": [None, {"sg": "y"}]}, {"m": 3}])
def test_odd_drafts_never_raise(odd: Any) -> None:
    assert isinstance(facts_of(odd), DraftFacts)
