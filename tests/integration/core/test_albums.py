"""Album items arriving separately (and concurrently) become one message, once."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from core.messages import Attachment, ChatRef, Inbound, Sender
from core.store import Albums, Keys


def item(update_id: int, caption: str = "") -> Inbound:
    return Inbound(
        message_id=str(update_id),
        chat=ChatRef("telegram", "42"),
        sender=Sender("7"),
        text=caption,
        attachments=(Attachment(f"file-{update_id}", f"p{update_id}.jpg"),),
    )


async def test_three_items_make_one_message_in_order(redis: Redis, key_prefix: str) -> None:
    albums = Albums(redis, Keys(key_prefix), quiet_s=0.3)
    results = await asyncio.gather(
        albums.add("g1", item(12)),
        albums.add("g1", item(10, "make it 9:16")),
        albums.add("g1", item(11)),
    )
    collected = [r for r in results if r is not None]
    assert len(collected) == 1
    (album,) = collected
    assert album.message_id == "album-g1"
    assert [a.ref for a in album.attachments] == ["file-10", "file-11", "file-12"]
    assert album.text == "make it 9:16"


async def test_an_item_after_the_album_left_is_not_lost(redis: Redis, key_prefix: str) -> None:
    albums = Albums(redis, Keys(key_prefix), quiet_s=0.2)
    first = await albums.add("g2", item(1))
    assert first is not None
    late = await albums.add("g2", item(2))
    assert late is not None
    assert late.message_id == "2"
    assert [a.ref for a in late.attachments] == ["file-2"]
