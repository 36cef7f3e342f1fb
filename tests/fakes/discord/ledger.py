"""The fake Discord's record of what the bot did, and the wait on it.

Every recording wakes an ``asyncio.Condition``, so ``wait_for`` sleeps until something changes
instead of polling.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import TypeVar

from tests.fakes.discord.records import (
    Callback,
    DiscordApiError,
    Fault,
    Identify,
    MessageRecord,
    RestCall,
)

T = TypeVar("T")
# The interaction token in a webhook or callback path, hidden in summaries (it is a secret).
TOKEN_SEGMENT = re.compile(r"(/(?:interactions|webhooks)/\d+/)[^/]+")


def masked(path: str) -> str:
    return TOKEN_SEGMENT.sub(r"\1<token>", path)


class Ledger:
    """Recorded REST calls, interaction callbacks, messages and gateway identifies; faults."""

    def __init__(self) -> None:
        self.rest_calls: list[RestCall] = []
        self.callbacks: list[Callback] = []
        self.messages: list[MessageRecord] = []
        self.identifies: list[Identify] = []
        self.downloads: list[str] = []
        self.faults: list[Fault] = []
        self._changed = asyncio.Condition()

    @staticmethod
    def now() -> float:
        return time.monotonic()

    async def changed(self) -> None:
        """Wake every waiter; call after each recording."""
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], T], *, within_s: float = 30) -> T:
        """Wait until `predicate()` is truthy and return its value; TimeoutError if it is not."""
        result: list[T] = []

        def check() -> bool:
            value = predicate()
            if value:
                result.append(value)
            return bool(value)

        try:
            async with asyncio.timeout(within_s), self._changed:
                await self._changed.wait_for(check)
        except TimeoutError:
            raise TimeoutError(f"not within {within_s}s; {self.summary()}") from None
        return result[-1]

    def summary(self) -> str:
        calls = ", ".join(f"{c.method} {masked(c.path)} {c.status}" for c in self.rest_calls[-12:])
        callbacks = [c.type for c in self.callbacks]
        return (
            f"last REST calls: [{calls}]; callback types: {callbacks}; "
            f"messages: {len(self.messages)}; identifies: {len(self.identifies)}"
        )

    def fault_for(self, method: str, path: str) -> DiscordApiError | None:
        for fault in self.faults:
            if fault.matches(method, path):
                return fault.take(method, path)
        return None
