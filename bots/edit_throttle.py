"""How often one chat's progress message may be edited, across every process (a Redis mark)."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from core.store import Keys


class EditThrottle:
    def __init__(self, redis: Redis, keys: Keys, interval_s: float = 1.0) -> None:
        self._redis = redis
        self._keys = keys
        self._interval_ms = int(interval_s * 1000)

    async def may_edit(self, chat_key: str) -> bool:
        """True at most once per interval per chat; the caller skips (or waits) otherwise."""
        mark = self._keys.edit_throttle(chat_key)
        return bool(await self._redis.set(mark, "1", nx=True, px=self._interval_ms))

    async def wait_turn(self, chat_key: str) -> None:
        """Wait until the chat may edit again, and take that turn: for an edit that must not be
        skipped (the last one), still never sooner than the interval after the one before."""
        mark = self._keys.edit_throttle(chat_key)
        while not await self.may_edit(chat_key):
            left_ms = await self._redis.pttl(mark)
            await asyncio.sleep(max(left_ms, 5) / 1000)
