"""Per-chat settings stored in Redis, changed from the chat itself: the reply language (the
chat's, and each person's own in it), who may
export or reset in a group (anyone, or the group's admins), and, for settings shared by a whole
server, the channels the bot works in (none listed: every channel)."""

from __future__ import annotations

from redis.asyncio import Redis

from core.store.connection import as_str
from core.store.keys import SETTINGS_TTL_S, Keys

ACCESS_LEVELS = ("anyone", "admins")
ACK_STYLES = ("message", "reaction")  # how a group's requests are acknowledged


def user_language_field(user_id: str) -> str:
    """Where a person's own language choice in a chat is kept, in the chat's settings (so the
    queue's scripts read it in the chat's slot)."""
    return f"language:{user_id}"


class ChatSettings:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def language(self, chat_key: str, user_id: str = "") -> str | None:
        """The language chosen by `user_id` here, else the one chosen for the chat."""
        own, chat = await self._redis.hmget(
            self._keys.chat_settings(chat_key), user_language_field(user_id), "language"
        )
        return as_str(own) or as_str(chat) or None

    async def set_language(self, chat_key: str, language: str, user_id: str = "") -> None:
        """The chat's language, or with `user_id` that person's own; "" forgets a person's."""
        field = user_language_field(user_id) if user_id else "language"
        if language:
            await self._set(chat_key, field, language)
        else:
            await self._redis.hdel(self._keys.chat_settings(chat_key), field)

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

    async def ack_and_language(self, scope: str, user_id: str) -> tuple[str, str | None]:
        """How the group is told a request arrived, "message" (a progress message, edited as
        the work goes) or "reaction" (on the request itself), and `language` for `user_id`: in
        one read, all a group's acknowledgement needs before anything else is stored."""
        style, own, chat = await self._redis.hmget(
            self._keys.chat_settings(scope), "ack", user_language_field(user_id), "language"
        )
        chosen = as_str(own) or as_str(chat) or None
        return (as_str(style) if as_str(style) in ACK_STYLES else "message"), chosen

    async def set_ack(self, scope: str, style: str) -> None:
        await self._set(scope, "ack", style)

    async def first_time(self, chat_key: str, what: str) -> bool:
        """True the first time `what` is asked of this chat, False after: for what the chat is
        told once. Kept with the chat's settings, and for as long."""
        key = self._keys.chat_settings(chat_key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(key, f"told:{what}", 1)
            pipe.expire(key, SETTINGS_TTL_S)
            first, _ = await pipe.execute()
        return bool(first)

    async def _set(self, chat_key: str, name: str, value: str) -> None:
        key = self._keys.chat_settings(chat_key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, name, value)
            pipe.expire(key, SETTINGS_TTL_S)
            await pipe.execute()
