"""Fair use: rate limits and quotas that hold across any number of workers.

Each decision is one Lua script over fixed-window counters: every window is checked first and
counted only when all allow, so two workers never both let the last one through. A refusal
says which limit and when it frees up, and whether this is the first refusal in that window
(the user is told once, not on every message). Renders are counted when they start and given
back when they fail or are cancelled.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from core.store.keys import Keys

_DECIDE = """
local n = #KEYS - 1
for i = 1, n do
  local limit = tonumber(ARGV[2 * i - 1])
  if limit > 0 and tonumber(redis.call('GET', KEYS[i]) or '0') >= limit then
    local wait = redis.call('PTTL', KEYS[i])
    if wait < 0 then wait = tonumber(ARGV[2 * i]) end
    local tell = 0
    if redis.call('SET', KEYS[#KEYS], '1', 'NX', 'PX', math.max(wait, 1)) then tell = 1 end
    return {0, i, wait, tell}
  end
end
for i = 1, n do
  if tonumber(ARGV[2 * i - 1]) > 0 then
    if redis.call('INCR', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[2 * i]) end
  end
end
return {1, 0, 0, 0}
"""

_GIVE_BACK = """
for i = 1, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
return 1
"""


@dataclass(frozen=True)
class Limit:
    """At most `allowed` per `window_s` for `subject` (e.g. "user:telegram:42"); 0: no limit."""

    name: str
    subject: str
    allowed: int
    window_s: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    refused_by: str = ""
    retry_after_s: float = 0.0
    tell: bool = False  # the first refusal of this window: say so once
    counted: tuple[str, ...] = ()  # counters that were incremented (to give back later)


class Limiter:
    def __init__(self, redis: Redis, keys: Keys, now: Callable[[], float] = time.time) -> None:
        self._redis = redis
        self._keys = keys
        self._now = now
        self._decide = redis.register_script(_DECIDE)
        self._give_back = redis.register_script(_GIVE_BACK)

    def _counter(self, limit: Limit) -> str:
        bucket = int(self._now() // limit.window_s)
        return self._keys.limit_counter(limit.name, limit.subject, limit.window_s, bucket)

    async def decide(self, limits: Sequence[Limit], notice: str) -> Decision:
        """Count one against every limit if all allow it; else refuse, naming the first full."""
        active = [limit for limit in limits if limit.allowed > 0]
        if not active:
            return Decision(True)
        counters = [self._counter(limit) for limit in active]
        args: list[int] = []
        for limit in active:
            args += [limit.allowed, limit.window_s * 1000]
        result = await self._decide(keys=[*counters, self._keys.limit_notice(notice)], args=args)
        allowed, index, wait_ms, tell = (int(value) for value in result)
        if allowed:
            return Decision(True, counted=tuple(counters))
        return Decision(False, active[index - 1].name, wait_ms / 1000, bool(tell))

    async def peek(self, limits: Sequence[Limit]) -> Decision:
        """Would `decide` refuse? Counts nothing (a cheap early answer; `decide` is the rule)."""
        active = [limit for limit in limits if limit.allowed > 0]
        for limit in active:
            used, renews = await self.used(limit)
            if used >= limit.allowed:
                return Decision(False, limit.name, renews)
        return Decision(True)

    async def add(self, limit: Limit, amount: int) -> None:
        """Count `amount` (credits spent, say) in the current window of `limit`."""
        counter = self._counter(limit)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incrby(counter, amount)
            pipe.expire(counter, limit.window_s, nx=True)
            await pipe.execute()

    async def used(self, limit: Limit) -> tuple[int, float]:
        """How much of `limit`'s current window is used, and seconds until it renews."""
        bucket_end = (int(self._now() // limit.window_s) + 1) * limit.window_s
        value = await self._redis.get(self._counter(limit))
        return int(value or 0), max(0.0, bucket_end - self._now())

    async def give_back(self, counters: Sequence[str]) -> None:
        """Undo a decision's counting (the render failed or was cancelled)."""
        if counters:
            await self._give_back(keys=list(counters))
