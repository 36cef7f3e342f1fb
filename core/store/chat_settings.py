"""Per-chat settings stored in Redis, changed from the chat itself: the reply language, who may
export or reset in a group (anyone, or the group's admins), and, for settings shared by a whole
server, the channels the bot works in (none listed: every channel)."""

from __future__ import annotations

from redis.asyncio import Redis

from core.store.connection import as_str
from core.store.keys import SETTINGS_TTL_S, Keys

LANGUAGES = ("en", "zh")
ACCESS_LEVELS = ("anyone", "admins")
ACK_STYLES = ("message", "reaction")  # how a group's requests are acknowledged


class ChatSettings:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def language(self, chat_key: str) -> str | None:
        value = await self._redis.hget(self._keys.chat_settings(chat_key), "language")
        return as_str(value) or None

    async def set_language(self, chat_key: str, language: str) -> None:
        await self._set(chat_key, "language", language)

    async def access(self, chat_key: str) -> str:
        value = await self._redis.hget(self._keys.chat_settings(chat_key), "access")
        return as_str(value) or "anyone"

    async def set_access(self, chat_key: str, level: str) -> None:
        await self._set(chat_key, "access", level)

    async def channels(self, scope: str) -> set[str]:
        value = as_str(await self._redis.hget(self._keys.chat_settings(scope), "channels"))
        return {channel for channel in value.split(",") if channel}

    async def set_channels(self, scope: str, channels: set[str]) -> None:
        await self._set(scope, "channels", ",".join(sorted(channels)))

    async def limits(self, scope: str) -> dict[str, int]:
        """Per-chat overrides of fair-use limits (fields ``limit.<name>``)."""
        raw = await self._redis.hgetall(self._keys.chat_settings(scope))
        found: dict[str, int] = {}
        for field, value in raw.items():
            name = as_str(field)
            if name.startswith("limit.") and as_str(value).isdigit():
                found[name.removeprefix("limit.")] = int(as_str(value))
        return found

    async def set_limit(self, scope: str, name: str, value: int) -> None:
        await self._set(scope, f"limit.{name}", str(value))

    async def aspect(self, scope: str) -> str | None:
        value = await self._redis.hget(self._keys.chat_settings(scope), "aspect")
        return as_str(value) or None

    async def set_aspect(self, scope: str, aspect: str) -> None:
        await self._set(scope, "aspect", aspect)

    async def plain_photos(self, scope: str) -> bool:
        """Whether, in a group, the bot answers photos sent without mentioning it."""
        return as_str(await self._redis.hget(self._keys.chat_settings(scope), "photos")) == "on"

    async def set_plain_photos(self, scope: str, on: bool) -> None:
        await self._set(scope, "photos", "on" if on else "off")

    async def ack(self, scope: str) -> str:
        """How the group is told a request arrived: "message" (a progress message, edited as
        the work goes) or "reaction" (on the request itself, changed as the work goes)."""
        value = as_str(await self._redis.hget(self._keys.chat_settings(scope), "ack"))
        return value if value in ACK_STYLES else "message"

    async def set_ack(self, scope: str, style: str) -> None:
        await self._set(scope, "ack", style)

    async def _set(self, chat_key: str, name: str, value: str) -> None:
        key = self._keys.chat_settings(chat_key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, name, value)
            pipe.expire(key, SETTINGS_TTL_S)
            await pipe.execute()
