"""Who a chat is to the backend: the operator's NEMO_TOKEN, or the chat's own anonymous identity.

An anonymous identity is a client id (kept for good) and its current token, stored in Redis with
the token's expiry. It is renewed with the SAME client id, because the backend grants one
anonymous token per client id per 7 days and only a few per IP: a bot that minted a client id per
request would soon be refused. The 2001 registration link binds that client id, so a chat's
people register exactly the identity they used.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from redis.asyncio import Redis

from core.backend.nemo.client import NemoClient, new_client_id
from core.errors import AnonymousTokenRefused, RateLimited
from core.store import IDENTITY_TTL_S, Keys, fields, read_hash

RENEW_MARGIN_S = 300.0  # renew a token this long before it expires


@dataclass(frozen=True)
class Credentials:
    token: str = field(repr=False)
    anonymous: bool
    client_id: str | None = None
    user_id: str | None = None

    @property
    def owner(self) -> str:
        return self.client_id or "operator"


class Identities:
    """Hands out credentials per chat; mints and renews anonymous tokens under a Redis lock."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        client: NemoClient,
        operator_token: str | None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._client = client
        self._operator = operator_token
        self._now = now

    @property
    def operator(self) -> bool:
        """True when every chat uses the operator's registered token."""
        return bool(self._operator)

    async def current(self, chat_key: str) -> Credentials:
        if self._operator:
            return Credentials(token=self._operator, anonymous=False)
        record = await self._load(chat_key)
        if record and float(record.get("expires_at", 0)) - RENEW_MARGIN_S > self._now():
            return _credentials(record)
        return await self._mint(chat_key, stale_token=record.get("token") if record else None)

    async def renew(self, chat_key: str, stale: Credentials) -> Credentials:
        """After a 1001: a new token for the same client id (the operator's token cannot be)."""
        if not stale.anonymous:
            return stale
        return await self._mint(chat_key, stale_token=stale.token)

    async def replace_client(self, chat_key: str) -> Credentials:
        """After an HTTP 400 (missing or unknown client id): start over with a new client id."""
        if self._operator:
            return await self.current(chat_key)
        await self._redis.delete(self._keys.identity(chat_key))
        return await self._mint(chat_key, stale_token=None)

    async def _load(self, chat_key: str) -> dict[str, str]:
        return await read_hash(self._redis, self._keys.identity(chat_key))

    async def _mint(self, chat_key: str, stale_token: str | None) -> Credentials:
        lock = self._redis.lock(self._keys.identity_lock(chat_key), timeout=60, blocking_timeout=60)
        async with lock:
            record = await self._load(chat_key)
            fresh = float(record.get("expires_at", 0)) - RENEW_MARGIN_S > self._now()
            if record.get("token") and record["token"] != stale_token and fresh:
                return _credentials(record)  # another worker renewed it meanwhile
            client_id = record.get("client_id") or new_client_id()
            try:
                minted = await self._client.anonymous_token(client_id)
            except RateLimited as exc:
                raise AnonymousTokenRefused(
                    "the backend refused a new anonymous token", retry_after_s=exc.retry_after_s
                ) from exc
            record = {
                "client_id": client_id,
                "token": minted.token,
                "user_id": minted.user_id,
                "expires_at": str(minted.expires_at.timestamp()),
            }
            key = self._keys.identity(chat_key)
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping=fields(record))
                pipe.expire(key, IDENTITY_TTL_S)
                await pipe.execute()
            return _credentials(record)


def _credentials(record: dict[str, str]) -> Credentials:
    return Credentials(
        token=record["token"],
        anonymous=True,
        client_id=record.get("client_id"),
        user_id=record.get("user_id") or None,
    )
