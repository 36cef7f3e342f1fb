"""Redis and what lives in it: the connection (and the URL forms it accepts), the keys, each
chat's queue and lease, locks, counters, chat settings and albums."""

from __future__ import annotations

from core.store.albums import Albums
from core.store.chat_queue import ChatQueue, Next
from core.store.chat_settings import ACCESS_LEVELS, ACK_STYLES, ChatSettings
from core.store.connection import REDIS_ERRORS, Batch, as_str, fields, one_server, read_hash
from core.store.counters import Decision, Limit, Limiter
from core.store.keys import IDENTITY_TTL_S, RENDER_TTL_S, SEEN_TTL_S, SESSION_TTL_S, Keys
from core.store.locks import Claim, LockLost, exclusive, exclusive_reading
from core.store.urls import (
    FORMS,
    PasswordNotEncoded,
    RedisUrlError,
    check_redis_url,
    close_client,
    describe,
    redis_client,
    unencoded_in_password,
)

__all__ = [
    "ACCESS_LEVELS",
    "ACK_STYLES",
    "FORMS",
    "IDENTITY_TTL_S",
    "REDIS_ERRORS",
    "RENDER_TTL_S",
    "SEEN_TTL_S",
    "SESSION_TTL_S",
    "Albums",
    "Batch",
    "ChatQueue",
    "ChatSettings",
    "Claim",
    "Decision",
    "Keys",
    "Limit",
    "Limiter",
    "LockLost",
    "Next",
    "PasswordNotEncoded",
    "RedisUrlError",
    "as_str",
    "check_redis_url",
    "close_client",
    "describe",
    "exclusive",
    "exclusive_reading",
    "fields",
    "one_server",
    "read_hash",
    "redis_client",
    "unencoded_in_password",
]
