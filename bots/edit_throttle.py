"""How often one chat's progress message may be edited, across every process (a Redis mark)."""

from __future__ import annotations

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
