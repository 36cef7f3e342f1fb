"""A submitted draft, checked and bounded before it may take a render slot.

The draft comes from the client and is trusted for nothing. Submit refuses one that is malformed
or bigger than any video of ours needs (`MAX_TRACKS` tracks, `MAX_SEGMENTS` segments in all:
each segment becomes an FFmpeg input or a drawn picture) before anything is rendered, and clamps
every time in it to the engine's longest video, so a draft that claims to last a day renders no
longer than ``ENGINE_MAX_DURATION_S``. The renderer clamps the length again
(`engine.render.renderer`).
"""

from __future__ import annotations

import contextlib
import json
import math
from typing import Any, cast

from engine.draft import ASPECTS, Draft, Meta, Segment, Track, is_exportable
from engine.errors import RenderRefused

# The engine's own drafts carry three tracks and about ten segments; an album of photos a few
# more. These bounds leave room for any real edit and none for a draft built to tie up a worker.
MAX_TRACKS = 16
MAX_SEGMENTS = 200


def draft_of(raw: Any, max_ms: int) -> Draft:
    """The submitted draft (an object, or the same as a JSON string), checked for export, its
    duration and every segment's start and duration clamped to 0..`max_ms`."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise _refused("'draft' is not valid JSON") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("t"), list):
        raise _refused("'draft' must be an object with a track list 't'")
    tracks: list[Any] = raw["t"]
    if len(tracks) > MAX_TRACKS:
        raise _refused(f"a draft may have at most {MAX_TRACKS} tracks; this one has {len(tracks)}")
    if not all(isinstance(track, dict) for track in tracks):
        raise _refused("every track of the draft must be an object")
    lists = [track.get("sg") or [] for track in tracks]
    if not all(isinstance(segments, list) for segments in lists):
        raise _refused("every track's 'sg' must be a list of segments")
    count = sum(len(segments) for segments in lists)
    if count > MAX_SEGMENTS:
        raise _refused(
            f"a draft may have at most {MAX_SEGMENTS} segments in all; this one has {count}"
        )
    if not all(isinstance(segment, dict) for segments in lists for segment in segments):
        raise _refused("every segment of the draft must be an object")
    bounded = [
        cast(Track, {**track, "sg": [_bounded(segment, max_ms) for segment in segments]})
        for track, segments in zip(tracks, lists, strict=True)
    ]
    draft: Draft = {"t": bounded, "d": _ms(raw.get("d"), max_ms), "m": _meta_of(raw.get("m"))}
    if not is_exportable(draft):
        raise _refused("the draft is empty: no track has any segment to render")
    return draft


def _bounded(segment: dict[str, Any], max_ms: int) -> Segment:
    start = _ms(segment.get("s"), max_ms)
    return cast(Segment, {**segment, "s": start, "d": _ms(segment.get("d"), max_ms - start)})


def _ms(value: Any, highest: int) -> int:
    """A time in milliseconds (a number, or a numeric string), clamped to 0..`highest`."""
    if value is None:
        return 0
    number = math.nan
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        with contextlib.suppress(ValueError, OverflowError):  # "abc", 10**400
            number = float(value)
    if not math.isfinite(number):
        raise _refused("the draft's times ('s', 'd') must be numbers of milliseconds")
    return max(0, min(highest, round(number)))


def _meta_of(raw: Any) -> Meta:
    """The canvas of the draft; a missing size comes from the aspect (16:9 by default)."""
    given = raw if isinstance(raw, dict) else {}
    aspect = str(given.get("aspect") or "16:9")
    width, height = ASPECTS.get(aspect, ASPECTS["16:9"])
    meta: Meta = {"aspect": aspect, "width": width, "height": height}
    if isinstance(given.get("width"), int) and isinstance(given.get("height"), int):
        meta["width"], meta["height"] = given["width"], given["height"]
    if isinstance(given.get("title"), str):
        meta["title"] = given["title"]
    return meta


def _refused(message: str) -> RenderRefused:
    return RenderRefused(400, message)
