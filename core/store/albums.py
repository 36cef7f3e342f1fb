"""Albums: several attachments that arrive as separate messages but belong together.

Telegram sends the items of a media group as separate updates sharing a group id, with no count
and no "last" marker, possibly to different ingress replicas. Each item is pushed to a Redis list;
the first item's handler waits until no new item came for `quiet_s`, then takes the whole list
(atomically marking the album done) and returns one message with every attachment. An item that
arrives after that is not lost: it comes back as a message of its own.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, Literal

from redis.asyncio import Redis

from core.messages import Inbound
from core.store.connection import as_str
from core.store.keys import ALBUM_TTL_S, Keys

_ADD = """
if redis.call('HGET', KEYS[2], 'state') == 'done' then return -1 end
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('HSET', KEYS[2], 'last', ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
if redis.call('HSETNX', KEYS[2], 'state', 'collecting') == 1 then return 1 end
return 0
"""

_TAKE = """
local last = tonumber(redis.call('HGET', KEYS[2], 'last') or '0')
if tonumber(ARGV[1]) - last < tonumber(ARGV[2]) then return false end
local items = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[2], 'state', 'done')
return items
"""


class Albums:
    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        *,
        quiet_s: float = 1.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._keys = keys
        self._quiet_ms = int(quiet_s * 1000)
        self._sleep = sleep
        self._add = redis.register_script(_ADD)
        self._take = redis.register_script(_TAKE)

    async def add(self, group_id: str, item: Inbound) -> Inbound | None:
        """The whole album when this call collected it; None when another call does; the item
        alone when it came after the album was sent on."""
        kept = await self.record(group_id, item)
        if kept == "late":
            return item
        return await self.collect(group_id) if kept == "first" else None

    async def record(self, group_id: str, item: Inbound) -> Literal["first", "more", "late"]:
        """Keep `item` with its album in Redis: "first" when this item's handler is to collect
        the album, "more" when another's does, "late" when the album was already sent on. An
        adapter acknowledges the item only after this, so a failure here is redelivered."""
        keys = [self._keys.album(group_id), self._keys.album_state(group_id)]
        added = int(await self._add(keys=keys, args=[item.to_json(), _now_ms(), ALBUM_TTL_S]))
        return "late" if added < 0 else "first" if added == 1 else "more"

    async def collect(self, group_id: str) -> Inbound:
        """Wait until no item came for `quiet_s`, then take the album as one message."""
        keys = [self._keys.album(group_id), self._keys.album_state(group_id)]
        while True:
            await self._sleep(self._quiet_ms / 1000)
            taken = await self._take(keys=keys, args=[_now_ms(), self._quiet_ms])
            if taken:
                return merge(group_id, [json.loads(as_str(raw)) for raw in taken])


def merge(group_id: str, items: list[dict[str, Any]]) -> Inbound:
    """One message with every item's attachments, in the order the platform numbered them."""
    messages = sorted((Inbound.from_dict(item) for item in items), key=_order)
    first = messages[0]
    caption = next((m.text for m in messages if m.text.strip()), "")
    attachments = tuple(a for m in messages for a in m.attachments)
    return replace(first, message_id=f"album-{group_id}", text=caption, attachments=attachments)


def _order(message: Inbound) -> tuple[int, str]:
    digits = "".join(ch for ch in message.message_id if ch.isdigit())
    return (int(digits) if digits else 0, message.message_id)


def _now_ms() -> int:
    return int(time.time() * 1000)
