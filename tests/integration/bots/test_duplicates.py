"""A platform delivering the same thing many times: clipbridge acts on it once.

Telegram redelivers an update whose webhook answer it did not get; two Discord processes briefly
running the same shard both receive an interaction. Here one Telegram update and one Discord
interaction each arrive 1,000 times at once, through the real clients, and exactly one render,
one acknowledgement and one video must come of each.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bots.runtime import wait_until_idle
from engine.api.server import RunningEngine
from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram.polling import SECRET_HEADER
from tests.fixtures.engine import EngineAdmin
from tests.fixtures.platforms import discord_running, telegram_running
from tests.fixtures.ports import free_port
from tests.integration.bots import test_discord as discord_side
from tests.integration.bots import test_telegram as telegram_side

COPIES = 1000
TELEGRAM_MAX_CONNECTIONS = 100
SECRET = "dup-webhook-secret"
GOT_IT = "⏳ Got it…"
DEFERRED_WITH_SOURCE = 5
ALREADY_ACKNOWLEDGED = 400


async def post_copies(url: str, update: dict[str, Any], copies: int) -> list[int]:
    """POST `update` `copies` times at once over as many connections as Telegram may open
    (setWebhook's max_connections is at most 100); the statuses.

    aiohttp rather than httpx: httpx's pool scans every waiting request on each change, so a
    thousand at once took half a minute there and under three seconds here.
    """
    connector = aiohttp.TCPConnector(limit=min(copies, TELEGRAM_MAX_CONNECTIONS))
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def post() -> int:
            headers = {SECRET_HEADER: SECRET}
            async with session.post(url, json=update, headers=headers) as response:
                await response.read()
                return response.status

        return list(await asyncio.gather(*(post() for _ in range(copies))))


async def test_a_telegram_update_delivered_1000_times_is_rendered_once(
    fake_telegram: FakeTelegram,
    redis_url: str,
    key_prefix: str,
    engine: RunningEngine,
    photo_bytes: bytes,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_telegram
    user = fake.user(40, "Dup")
    chat = fake.private_chat(user)
    port = free_port()
    async with telegram_running(
        fake,
        redis_url,
        key_prefix,
        engine,
        tmp_path / "work",
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
        telegram_webhook_secret=SECRET,
        telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=port,
    ) as runtime:
        assert fake.webhook is not None
        update = fake.send_photo(chat, user, photo_bytes, build_only=True)
        statuses = await post_copies(fake.webhook.url, update, COPIES)
        # A later message of the same chat is handled after every copy (one chat's updates keep
        # their order), so once it is answered no copy is still on its way.
        later = fake.send_text(chat, user, "status", build_only=True)
        assert await fake.post_webhook(later, secret=SECRET) == 200
        await fake.wait_for(
            lambda f: bool(telegram_side.videos(f)) and answered_status(f, chat["id"]),
            within_s=120,
        )
        async with asyncio.timeout(30):
            await wait_until_idle(runtime.core, f"telegram:{chat['id']}")

    assert statuses == [200] * COPIES  # a copy is accepted like the original: no redelivery
    sent = telegram_side.texts_sent(fake, chat["id"])
    assert sent.count(GOT_IT) == 1, f"{sent.count(GOT_IT)} acknowledgements"
    assert fake.sent[chat["id"]][0]["text"].startswith("✅ Done")  # that one, edited in place
    (video,) = [v for v in telegram_side.videos(fake) if v.params["chat_id"] == chat["id"]]
    assert "Your video" in video.params["caption"]
    stats = await EngineAdmin(engine.base_url).stats()
    assert (stats.call_count("upload"), stats.call_count("sse")) == (1, 1), stats
    assert stats.events.get("renders_started") == 1, stats
    assert not errors(caplog), "copies are dropped quietly, not as errors"


def answered_status(fake: FakeTelegram, chat_id: int) -> bool:
    said = telegram_side.answers(fake, chat_id)
    return any(t.startswith(("Timeline", "The timeline")) for t in said)


async def test_a_discord_interaction_delivered_1000_times_is_rendered_once(
    fake_discord: FakeDiscord,
    redis_url: str,
    key_prefix: str,
    engine: RunningEngine,
    photo_bytes: bytes,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_discord
    guild, channel, user = discord_side.world(fake)
    image = fake.add_attachment(photo_bytes, filename="dup.jpg", content_type="image/jpeg")
    running = discord_running(fake, redis_url, key_prefix, engine, tmp_path / "work")
    async with running as (runtime, _):
        interaction = await fake.invoke(
            "explain", channel=channel, user=user, guild=guild, options={"image": image}
        )
        # The same payload again, 999 times at once, on the socket the original came by.
        await asyncio.gather(
            *(
                fake.dispatch("INTERACTION_CREATE", interaction, guild_id=guild["id"])
                for _ in range(COPIES - 1)
            )
        )
        path = f"/interactions/{interaction['id']}/{interaction['token']}/callback"
        # Every copy has been answered one way or another once COPIES callbacks were tried.
        await fake.wait_for(
            lambda: sum(c.path == path for c in fake.rest_calls) == COPIES, within_s=120
        )
        await fake.wait_for(lambda: discord_side.videos(fake), within_s=120)
        async with asyncio.timeout(30):
            await wait_until_idle(runtime.core, f"discord:{channel['id']}")

    (ack,) = [c for c in fake.callbacks if c.token == interaction["token"]]
    assert ack.type == DEFERRED_WITH_SOURCE
    tried = [c.status for c in fake.rest_calls if c.path == path]
    assert sum(status < 300 for status in tried) == 1
    assert tried.count(ALREADY_ACKNOWLEDGED) == COPIES - 1
    (video,) = discord_side.videos(fake)
    assert video.route == "followup"
    stats = await EngineAdmin(engine.base_url).stats()
    assert (stats.call_count("upload"), stats.call_count("sse")) == (1, 1), stats
    assert stats.events.get("renders_started") == 1, stats
    assert not errors(caplog), "copies are dropped quietly, not as errors"


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
