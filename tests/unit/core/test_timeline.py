"""The timeline summary: the documented format, and no exception for anything odd."""

from __future__ import annotations

from typing import Any

import pytest

from core.backend import canvas_and_duration, is_exportable, summarise
from core.backend.timeline import video_description

DRAFT: dict[str, Any] = {
    "t": [
        {"tt": 0, "sg": [{"s": 0, "d": 10000, "name": "city timelapse"}]},
        {"tt": 1, "sg": [{"s": 0, "d": 10000, "name": "Lo-fi", "vol": 0.35}]},
        {"tt": 7, "sg": [{"s": 0, "d": 3000, "text": "Urban Dreams", "role": "title"}]},
    ],
    "d": 10000,
    "m": {"width": 1080, "height": 1920},
}


def test_the_documented_example() -> None:
    assert summarise(DRAFT) == (
        "Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) "
        '3. Title: "Urban Dreams" (0-3s)'
    )


def test_chinese_labels() -> None:
    assert summarise(DRAFT, "zh").startswith("时间线（3 条轨道）： 1. 视频: city timelapse")


def test_captions_are_counted_and_long_names_cut() -> None:
    draft = {
        "t": [
            {"tt": 0, "sg": [{"s": 0, "d": 1500, "name": "x" * 80}]},
            {"tt": 7, "sg": [{"s": 0, "d": 1000, "text": "a"}, {"s": 1000, "d": 500, "text": "b"}]},
        ]
    }
    summary = summarise(draft)
    assert "x" * 39 + "…" in summary and "x" * 41 not in summary
    assert "Text: 2 captions (0-1.5s)" in summary


@pytest.mark.parametrize(
    "draft",
    [
        None,
        {},
        {"t": None},
        {"t": "tracks"},
        {"t": [None, 3, {"tt": "x", "sg": "no"}]},
        {"t": [{"tt": 0, "sg": [{"s": "a", "d": None}]}]},
        {"t": [{"tt": 1, "sg": [{"vol": True}]}]},
    ],
)
def test_odd_drafts_never_raise(draft: Any) -> None:
    assert summarise(draft).startswith("Timeline")


def test_exportable_needs_a_track_with_segments() -> None:
    assert is_exportable(DRAFT)
    assert not is_exportable({"t": [{"tt": 0, "sg": []}]})
    assert not is_exportable({"t": "x"})


def test_canvas_and_duration_from_the_draft() -> None:
    assert canvas_and_duration(DRAFT) == (1080, 1920, 10.0)
    assert canvas_and_duration({}) == (1920, 1080, 0.0)


def _placed(where: str) -> dict[str, Any]:
    """The documented example with its names, texts, roles and volume on the segment, in the
    segment's `m`, or in the track's `m` (the contract allows all three)."""
    fields: list[dict[str, Any]] = [
        {"name": "city timelapse"},
        {"name": "Lo-fi", "vol": 0.35},
        {"text": "Urban Dreams", "role": "title"},
    ]
    tracks = []
    for kind, extra in zip((0, 1, 7), fields, strict=True):
        segment: dict[str, Any] = {"s": 0, "d": 10000 if kind != 7 else 3000}
        track: dict[str, Any] = {"tt": kind, "sg": [segment]}
        if where == "segment":
            segment.update(extra)
        elif where == "segment m":
            segment["m"] = extra
        else:
            track["m"] = extra
        tracks.append(track)
    return {"t": tracks, "d": 10000, "m": {"width": 1080, "height": 1920}}


@pytest.mark.parametrize("where", ["segment", "segment m", "track m"])
def test_fields_are_read_wherever_the_contract_allows(where: str) -> None:
    assert summarise(_placed(where)) == summarise(DRAFT)


def test_the_video_in_words_for_people_who_cannot_see_it() -> None:
    draft = {
        "t": [
            {
                "tt": 7,
                "sg": [
                    {"s": 3000, "d": 2000, "text": "An AI image is a picture.", "role": "caption"},
                    {"s": 0, "d": 3000, "text": "What is an AI image?", "sub": "A short one"},
                    {"s": 5000, "d": 2000, "text": "Hidden caption", "hide": True},
                ],
            }
        ],
        "d": 47500,
        "m": {},
    }
    assert video_description(draft) == (
        "A 48-second video, with the text: What is an AI image? A short one. "
        "An AI image is a picture."
    )
    assert video_description(draft, "zh").startswith("一段 48 秒的视频，文字：What is an AI image?")
    assert video_description({"t": [], "d": 0}) == "A 0-second video."
