"""Small typed helpers over redis-py's asyncio client (its replies are ``bytes | str``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import RedisClusterException, RedisError
from redis.typing import EncodableT, FieldT

# What a Redis that is away for a moment raises; a cluster client's own errors (no node for a
# slot during a failover) do not derive from RedisError.
REDIS_ERRORS = (RedisError, RedisClusterException)


def as_str(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


async def read_hash(redis: Redis, key: str) -> dict[str, str]:
    raw = await redis.hgetall(key)
    return {as_str(k): as_str(v) for k, v in raw.items()}


def fields(mapping: Mapping[str, str | int | float]) -> Mapping[FieldT, EncodableT]:
    """A plain str mapping as the type ``hset(mapping=...)`` declares."""
    return cast(Mapping[FieldT, EncodableT], mapping)
