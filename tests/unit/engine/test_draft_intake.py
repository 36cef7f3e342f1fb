"""A submitted draft: clamped to the longest video, refused when too big or malformed."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from engine.errors import RenderRefused
from engine.render.intake import MAX_SEGMENTS, MAX_TRACKS, draft_of

MAX_MS = 60_000
DAY_MS = 24 * 3600 * 1000


def _draft(*tracks: dict[str, Any], d: Any = 15_000) -> dict[str, Any]:
    return {"t": list(tracks), "d": d, "m": {"aspect": "16:9", "width": 1920, "height": 1080}}


PICTURE = {"s": 0, "d": 15_000, "src": "http://engine/files/uploads/1/a.png", "kind": "image"}
CAPTION = {"s": 3_000, "d": 4_000, "text": "What is an AI image?", "role": "caption"}


def test_an_ordinary_draft_passes_unchanged() -> None:
    raw = _draft({"tt": 0, "sg": [PICTURE]}, {"tt": 7, "sg": [CAPTION]})

    assert draft_of(raw, MAX_MS) == raw
    assert draft_of(json.dumps(raw), MAX_MS) == raw


def test_a_day_long_draft_is_clamped_to_the_longest_video() -> None:
    long_picture = {**PICTURE, "d": DAY_MS}
    late_caption = {**CAPTION, "s": DAY_MS - 1000, "d": 1000}
    raw = _draft({"tt": 0, "sg": [long_picture]}, {"tt": 7, "sg": [late_caption]}, d=DAY_MS)

    draft = draft_of(raw, MAX_MS)

    assert draft["d"] == MAX_MS
    picture, caption = draft["t"][0]["sg"][0], draft["t"][1]["sg"][0]
    assert (picture["s"], picture["d"]) == (0, MAX_MS)
    assert (caption["s"], caption["d"]) == (MAX_MS, 0)
    ends = [seg["s"] + seg["d"] for track in draft["t"] for seg in track["sg"]]
    assert max(ends) <= MAX_MS


@pytest.mark.parametrize("d", [-5, "15000", 15_000.4, None])
def test_times_are_read_as_milliseconds(d: Any) -> None:
    draft = draft_of(_draft({"tt": 0, "sg": [{**PICTURE, "s": -100}]}, d=d), MAX_MS)

    assert draft["d"] == {-5: 0, "15000": 15_000, 15_000.4: 15_000, None: 0}[d]
    assert draft["t"][0]["sg"][0]["s"] == 0


def test_five_thousand_text_segments_are_refused_at_once() -> None:
    captions = [{**CAPTION, "s": number, "d": 10} for number in range(5000)]
    raw = _draft({"tt": 0, "sg": [PICTURE]}, {"tt": 7, "sg": captions})

    started = time.monotonic()
    with pytest.raises(RenderRefused) as refused:
        draft_of(raw, MAX_MS)

    assert time.monotonic() - started < 0.5
    assert refused.value.status == 400
    assert refused.value.message == (
        f"a draft may have at most {MAX_SEGMENTS} segments in all; this one has 5001"
    )


def test_too_many_tracks_are_refused() -> None:
    raw = _draft(*[{"tt": 7, "sg": []} for _ in range(MAX_TRACKS + 1)], {"tt": 0, "sg": [PICTURE]})

    with pytest.raises(RenderRefused) as refused:
        draft_of(raw, MAX_MS)

    assert f"at most {MAX_TRACKS} tracks" in refused.value.message


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("{not json", "not valid JSON"),
        ({"t": "tracks"}, "track list"),
        (_draft("track"), "every track"),  # type: ignore[arg-type]
        (_draft({"tt": 0, "sg": {"s": 0}}), "'sg' must be a list"),
        (_draft({"tt": 0, "sg": ["segment"]}), "every segment"),
        (_draft({"tt": 0, "sg": [{**PICTURE, "d": "long"}]}), "numbers of milliseconds"),
        (_draft({"tt": 0, "sg": [{**PICTURE, "s": float("inf")}]}), "numbers of milliseconds"),
        (_draft({"tt": 0, "sg": [{**PICTURE, "d": True}]}), "numbers of milliseconds"),
        (_draft({"tt": 0, "sg": [PICTURE]}, d=10**400), "numbers of milliseconds"),
        (_draft({"tt": 0, "sg": []}), "empty"),
    ],
)
def test_malformed_drafts_are_refused_with_a_reason(raw: Any, says: str) -> None:
    with pytest.raises(RenderRefused) as refused:
        draft_of(raw, MAX_MS)

    assert refused.value.status == 400 and says in refused.value.message
