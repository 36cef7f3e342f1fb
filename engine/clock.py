"""Wall-clock time for expiries and idle limits, injectable so tests can move it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Seconds since the epoch; the engine reads time only through this."""

    def now(self) -> float: ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> float:
        return time.time()


class SettableClock:
    """A clock tests can move: the system time plus an offset, or frozen at a given start.

    Frozen (``start`` given) is for unit tests that need exact instants; following the system
    time is for a running engine, where render timestamps should still advance on their own.
    """

    def __init__(self, start: float | None = None) -> None:
        self._frozen = start
        self._offset = 0.0
        # The admin endpoint moves it from the server thread while tests may read it elsewhere.
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            base = self._frozen if self._frozen is not None else time.time()
            return base + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds


def iso(timestamp: float) -> str:
    """An ISO 8601 UTC time, the shape of the cloud's ``expires_at``."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def millis(timestamp: float) -> int:
    """Milliseconds since the epoch, the shape of the render ``createdAt``/``completedAt``."""
    return int(timestamp * 1000)
