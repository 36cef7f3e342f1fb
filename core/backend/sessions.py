"""One backend session per chat, in Redis, created on first use with the chat's language.

A message's work (a turn's, an export step's) runs under the chat's lease: no one else changes
the chat's session meanwhile. Inside `remembering_sessions`, a session is read from Redis once
and then remembered, instead of read again by every backend call of the same work.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from redis.asyncio import Redis

from core.backend.identity import Credentials
from core.backend.nemo.client import NemoClient
from core.backend.nemo.models import NemoSession
from core.store import SESSION_TTL_S, Keys, fields, read_hash

_REMEMBERED: ContextVar[dict[str, NemoSession] | None] = ContextVar(
    "remembered_sessions", default=None
)


@contextmanager
def remembering_sessions() -> Iterator[None]:
    """Remember each chat's session for the block: one message's work under its chat's lease.
    Inside another such block (a turn running an export's first step), that one's memory."""
    if _REMEMBERED.get() is not None:
        yield
        return
    token = _REMEMBERED.set({})
    try:
        yield
    finally:
        _REMEMBERED.reset(token)


class Sessions:
    """The chat's session; a session made by another identity is not reused."""

    def __init__(self, redis: Redis, keys: Keys, client: NemoClient) -> None:
        self._redis = redis
        self._keys = keys
        self._client = client

    async def current(self, chat_key: str, credentials: Credentials, language: str) -> NemoSession:
        remembered = _REMEMBERED.get()
        mine = f"{credentials.owner}\n{chat_key}"
        if remembered is not None and mine in remembered:
            return remembered[mine]
        session = await self._current(chat_key, credentials, language)
        if remembered is not None:
            remembered[mine] = session
        return session

    async def _current(self, chat_key: str, credentials: Credentials, language: str) -> NemoSession:
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
        remembered = _REMEMBERED.get()
        if remembered is not None:
            for mine in [m for m in remembered if m.endswith(f"\n{chat_key}")]:
                del remembered[mine]
        await self._redis.delete(self._keys.session(chat_key))

    async def peek(self, chat_key: str) -> NemoSession | None:
        record = await read_hash(self._redis, self._keys.session(chat_key))
        if not record.get("session_id"):
            return None
        return NemoSession(record.get("task_id", ""), record["session_id"], record.get("user_id"))
