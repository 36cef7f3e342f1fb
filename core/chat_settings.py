"""Per-chat settings stored in Redis (language for now), changed from the chat itself."""

from __future__ import annotations

from redis.asyncio import Redis

from core.keys import SETTINGS_TTL_S, Keys
from core.store import as_str

LANGUAGES = ("en", "zh")


class ChatSettings:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def language(self, chat_key: str) -> str | None:
        value = await self._redis.hget(self._keys.chat_settings(chat_key), "language")
        return as_str(value) or None

    async def set_language(self, chat_key: str, language: str) -> None:
        key = self._keys.chat_settings(chat_key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, "language", language)
            pipe.expire(key, SETTINGS_TTL_S)
            await pipe.execute()
