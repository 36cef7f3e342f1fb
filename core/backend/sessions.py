"""One backend session per chat, in Redis, created on first use with the chat's language."""

from __future__ import annotations

from redis.asyncio import Redis

from core.backend.identity import Credentials
from core.backend.nemo.client import NemoClient
from core.backend.nemo.models import NemoSession
from core.store import SESSION_TTL_S, Keys, fields, read_hash


class Sessions:
    """The chat's session; a session made by another identity is not reused."""

    def __init__(self, redis: Redis, keys: Keys, client: NemoClient) -> None:
        self._redis = redis
        self._keys = keys
        self._client = client

    async def current(self, chat_key: str, credentials: Credentials, language: str) -> NemoSession:
        key = self._keys.session(chat_key)
        record = await read_hash(self._redis, key)
        if record.get("session_id") and record.get("owner") == credentials.owner:
            return NemoSession(
                task_id=record.get("task_id", ""),
                session_id=record["session_id"],
                user_id=record.get("user_id") or None,
            )
        session = await self._client.create_session(credentials.token, language)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(
                key,
                mapping=fields(
                    {
                        "session_id": session.session_id,
                        "task_id": session.task_id,
                        "user_id": session.user_id or "",
                        "owner": credentials.owner,
                        "language": language,
                    }
                ),
            )
            pipe.expire(key, SESSION_TTL_S)
            await pipe.execute()
        return session

    async def drop(self, chat_key: str) -> None:
        """Forget the chat's session: the next call starts a new project."""
        await self._redis.delete(self._keys.session(chat_key))

    async def peek(self, chat_key: str) -> NemoSession | None:
        record = await read_hash(self._redis, self._keys.session(chat_key))
        if not record.get("session_id"):
            return None
        return NemoSession(record.get("task_id", ""), record["session_id"], record.get("user_id"))
