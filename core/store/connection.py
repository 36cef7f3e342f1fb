"""Small typed helpers over redis-py's asyncio client (its replies are ``bytes | str``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.asyncio.cluster import RedisCluster
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError, RedisClusterException, RedisError
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


def one_server(redis: Redis) -> bool:
    """Not a cluster (a plain server, TLS or Sentinel's master): every key is on the one
    server, so one script may touch any of them and a pipeline runs in its order."""
    return not isinstance(redis, RedisCluster)


class Batch:
    """Commands sent together (a pipeline, no transaction), scripts among them.

    redis-py checks every script given to a pipeline with a SCRIPT EXISTS before each run, a
    round trip more: here they go by their hash. A server that does not know one (new,
    restarted, failed over) answers it NOSCRIPT and runs the others; that script alone is then
    run again on its own, which loads it, after them. Scripts only on one server: a cluster's
    pipeline retries a failover only when its errors are raised, not returned, and these must
    be returned to find the NOSCRIPT among them. Without scripts, a batch is a plain pipeline.
    """

    def __init__(self, redis: Redis) -> None:
        self.pipe: Pipeline = redis.pipeline(transaction=False)
        self._one_server = one_server(redis)
        self._scripts: dict[int, tuple[AsyncScript, list[Any], list[Any]]] = {}

    def script(self, script: AsyncScript, keys: list[Any], args: list[Any]) -> None:
        if not self._one_server:
            raise ValueError("a batch runs scripts on one server only")
        self._scripts[len(self.pipe)] = (script, keys, args)
        self.pipe.evalsha(script.sha, len(keys), *keys, *args)

    async def execute(self) -> list[Any]:
        """Each command's reply, in order; the first error is raised, after every command ran."""
        if not self._scripts:
            return list(await self.pipe.execute())
        replies: list[Any] = await self.pipe.execute(raise_on_error=False)
        for index, (script, keys, args) in self._scripts.items():
            if isinstance(replies[index], NoScriptError):
                replies[index] = await script(keys=keys, args=args)
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        return replies
