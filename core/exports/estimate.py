"""When a render will be done: from the progress the backend reports, and from how long recent
renders took. The poll schedule follows the estimate (poll around the predicted end rather than
on a fixed back-off), and the chat sees it once it is honest: "about 20 s left".

An estimate from progress needs two reports at least `MIN_SPAN_S` apart with the progress
rising between them; before that, the median of recent renders' durations stands in. With
neither there is no estimate, and polling backs off as it always did.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

MIN_SPAN_S = 2.0  # progress reports closer than this say too little about the rate
SAMPLES_KEPT = 6  # the latest progress reports kept on the export record
AFTER_END_S = 0.5  # poll this much after the predicted end (a report lags its render)
NEAR_END_S = 1.0  # with an estimate, the next poll may come this soon: a look that was early
SHOW_FROM_S = 5.0  # the chat is told the time left only when at least this much is left
SHOWN_STEP_S = 5  # and rounded up to this step: an estimate, not a countdown


def remaining_s(
    samples: Sequence[tuple[float, int]],
    now: float,
    *,
    typical_s: float | None = None,
    elapsed_s: float = 0.0,
    soonest: bool = False,
) -> float | None:
    """Seconds until the render is done; None when nothing honest can be said. `samples` are
    (time, percent) reports, oldest first; `typical_s` a recent render's usual duration.

    With `soonest`, the earliest end the reports allow rather than the likeliest: a report of
    p percent means somewhere from p to just under p + 1, and over a short span that is a wide
    spread of rates (8 % after 2 s is 4 to 4.5 % a second, 21 to 23 s to go). A poll at the
    soonest end is never late; one that finds the render running measures again, over a span
    long enough to land just after the end."""
    rising = [(at, percent) for at, percent in samples if 0 <= percent < 100]
    if len(rising) >= 2:
        (first_at, first), (last_at, last) = rising[0], rising[-1]
        if last_at - first_at >= MIN_SPAN_S and last > first:
            slack = 1 if soonest else 0
            rate = (last + slack - first) / (last_at - first_at)  # percent a second
            return max(0.0, (100 - last - slack) / rate - (now - last_at))
    if typical_s is not None and typical_s > elapsed_s:
        return typical_s - elapsed_s
    return None


def next_poll_s(remaining: float | None, backoff_s: float, minimum: float, maximum: float) -> float:
    """When to ask next: just after the predicted end, within the polling limits; without an
    estimate, the back-off schedule's next step. A look that came just before the end asks
    again a moment later, not after the usual minimum: at most one call more, while a render
    done in 0.1 s was seen 3 s late."""
    if remaining is None:
        return backoff_s
    return max(min(minimum, NEAR_END_S), min(maximum, remaining + AFTER_END_S))


def shown_left_s(remaining: float | None) -> int | None:
    """The time left as the chat is told it (rounded up to a step), or None when too little or
    unknown."""
    if remaining is None or remaining < SHOW_FROM_S:
        return None
    return int(-(-remaining // SHOWN_STEP_S) * SHOWN_STEP_S)


def typical_duration(durations: Sequence[float]) -> float | None:
    """The usual duration of recent renders (their median), None with fewer than three."""
    return statistics.median(durations) if len(durations) >= 3 else None
