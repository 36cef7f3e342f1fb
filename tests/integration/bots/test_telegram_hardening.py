"""The Telegram adapter when things go wrong: Redis refusing writes while an update is taken,
webhook bodies that are no update, anonymous admins, forum topics, fair-use refusals.

Redis failures are real: the bot runs on a private redis-server of its own, told to refuse
writes (`maxmemory 1` with `noeviction`, Redis' answer when memory is full) at an exact point.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from redis.asyncio import Redis
from telegram import Bot

from bots.redis_server import private_redis
from bots.sample import make_sample_photo
from core.store import Keys
from engine.api.server import RunningEngine
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram.objects import JSON, group_anonymous_bot
from tests.fakes.telegram.polling import SECRET_HEADER
from tests.fixtures.platforms import BotFor, telegram_running
from tests.fixtures.ports import free_port
from tests.integration.bots.test_telegram import BOT_NAME, answers, texts_sent

SECRET = "hardening-webhook-secret"
BOT = BOT_NAME[1:]
GOT_IT = "⏳ Got it…"
ADMINS_ONLY = "In this group only admins can do that."


@pytest.fixture
def own_redis() -> Iterator[str]:
    """A redis-server for this test alone, so refusing writes disturbs no other test."""
    with private_redis() as url:
        yield url


@asynccontextmanager
async def writes_refused(redis_url: str) -> AsyncIterator[None]:
    """Redis answers every write with OOM until the block ends, as when memory is full."""
    await refuse_writes(redis_url)
    try:
        yield
    finally:
        await allow_writes(redis_url)


async def refuse_writes(redis_url: str) -> None:
    async with Redis.from_url(redis_url) as admin:
        await admin.config_set("maxmemory-policy", "noeviction")
        await admin.config_set("maxmemory", 1)


async def allow_writes(redis_url: str) -> None:
    async with Redis.from_url(redis_url) as admin:
        await admin.config_set("maxmemory", 0)


def webhook_settings() -> dict[str, Any]:
    port = free_port()
    return {
        "telegram_webhook_url": f"http://127.0.0.1:{port}/telegram/hook",
        "telegram_webhook_secret": SECRET,
        "telegram_webhook_listen": "127.0.0.1",
        "telegram_webhook_port": port,
    }


def live_texts(fake: FakeTelegram, chat_id: int) -> list[str]:
    """The bot's messages still in the chat (deleted ones gone, edits applied)."""
    return [str(m.get("text", "")) for m in fake.sent.get(chat_id, [])]


async def post_raw(fake: FakeTelegram, body: bytes) -> int:
    """POST `body` as it is to the webhook, with the right secret; the status answered."""
    assert fake.webhook is not None
    head = {"Content-Length": str(len(body)), "Content-Type": "application/json"}
    return await exchange(fake.webhook.url, head, body)


async def exchange(url: str, headers: dict[str, str], body: bytes) -> int:
    """Send one request over a plain socket (to send what a client library would not: a body
    shorter than its Content-Length, a chunked body left unfinished); the status answered."""
    where = urlsplit(url)
    reader, writer = await asyncio.open_connection(where.hostname, where.port)
    lines = [f"POST {where.path} HTTP/1.1", f"Host: {where.netloc}", f"{SECRET_HEADER}: {SECRET}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        status_line = await reader.readline()
    finally:
        writer.close()
    return int(status_line.split()[1])


def said(fake: FakeTelegram, chat_id: int, start: str) -> bool:
    return any(t.startswith(start) for t in answers(fake, chat_id))


# -- recorded before acknowledged -------------------------------------------------------------


async def test_a_webhook_update_redis_cannot_record_is_refused_then_handled_once(
    fake_telegram: FakeTelegram,
    own_redis: str,
    key_prefix: str,
    engine: RunningEngine,
    tmp_path: Path,
) -> None:
    fake = fake_telegram
    user = fake.user(50, "Oo")
    chat = fake.private_chat(user)
    work = tmp_path / "work"
    async with telegram_running(fake, own_redis, key_prefix, engine, work, **webhook_settings()):
        update = fake.send_text(chat, user, "credits", build_only=True)
        async with writes_refused(own_redis):
            assert await fake.post_webhook(update, secret=SECRET) == 503
        assert await fake.post_webhook(update, secret=SECRET) == 200  # Telegram's retry
        await fake.wait_for(lambda f: said(f, chat["id"], "Credits:"))
        assert await fake.post_webhook(update, secret=SECRET) == 200  # a copy: dropped
        later = fake.send_text(chat, user, "status", build_only=True)
        assert await fake.post_webhook(later, secret=SECRET) == 200
        await fake.wait_for(lambda f: said(f, chat["id"], "The timeline"))

    assert sum(t.startswith("Credits:") for t in answers(fake, chat["id"])) == 1


async def test_an_update_taken_but_not_recorded_is_handled_when_it_comes_again(
    fake_telegram: FakeTelegram,
    own_redis: str,
    key_prefix: str,
    engine: RunningEngine,
    tmp_path: Path,
) -> None:
    """Redis fails after the update was marked as taken and "Got it" went out: the mark is
    withdrawn (or Telegram's retry would be dropped as a copy) and so is the "Got it"."""
    fake = fake_telegram
    user = fake.user(51, "Pa")
    chat = fake.private_chat(user)
    work = tmp_path / "work"
    async with telegram_running(fake, own_redis, key_prefix, engine, work, **webhook_settings()):
        update = fake.send_text(chat, user, "/export", build_only=True)
        fake.before_next("sendMessage", lambda: refuse_writes(own_redis))  # at the "Got it"
        assert await fake.post_webhook(update, secret=SECRET) == 503
        assert texts_sent(fake, chat["id"]) == [GOT_IT]
        assert GOT_IT not in live_texts(fake, chat["id"])
        await allow_writes(own_redis)
        assert await fake.post_webhook(update, secret=SECRET) == 200
        await fake.wait_for(lambda f: any("nothing to export" in t for t in answers(f, chat["id"])))

    assert sum("nothing to export" in t for t in answers(fake, chat["id"])) == 1


async def test_a_redelivery_is_handled_even_when_its_mark_could_not_be_withdrawn(
    fake_telegram: FakeTelegram,
    own_redis: str,
    key_prefix: str,
    engine: RunningEngine,
    tmp_path: Path,
) -> None:
    """Redis fails so badly that the mark cannot be deleted either (here DEL is denied): the
    process that failed the update still takes its next delivery."""
    fake = fake_telegram
    user = fake.user(61, "Zed")
    chat = fake.private_chat(user)
    work = tmp_path / "work"

    async def refuse_writes_and_deletes() -> None:
        await refuse_writes(own_redis)
        async with Redis.from_url(own_redis) as admin:
            await admin.acl_setuser("default", enabled=True, commands=["-del"])

    async with telegram_running(fake, own_redis, key_prefix, engine, work, **webhook_settings()):
        update = fake.send_text(chat, user, "/export", build_only=True)
        fake.before_next("sendMessage", refuse_writes_and_deletes)
        assert await fake.post_webhook(update, secret=SECRET) == 503
        async with Redis.from_url(own_redis) as admin:
            await admin.acl_setuser("default", enabled=True, commands=["+del"])
            mark = Keys(key_prefix).delivery("telegram", str(update["update_id"]))
            assert await admin.exists(mark), "the premise: the mark outlived the failure"
        await allow_writes(own_redis)
        assert await fake.post_webhook(update, secret=SECRET) == 200
        await fake.wait_for(lambda f: any("nothing to export" in t for t in answers(f, chat["id"])))
        assert await fake.post_webhook(update, secret=SECRET) == 200  # and a copy is dropped

    assert sum("nothing to export" in t for t in answers(fake, chat["id"])) == 1


async def test_an_album_item_redis_cannot_keep_is_refused_then_collected_with_the_rest(
    fake_telegram: FakeTelegram,
    own_redis: str,
    key_prefix: str,
    engine: RunningEngine,
    tmp_path: Path,
) -> None:
    """An album's items are kept in Redis by a script: with scripts refused (the delivery mark
    is still written), the item's webhook call fails, and Telegram's retry joins the album."""
    fake = fake_telegram
    user = fake.user(62, "Al")
    chat = fake.private_chat(user)
    work = tmp_path / "work"
    picture = make_sample_photo(tmp_path / "p.jpg", size=(320, 240)).read_bytes()
    first, second = (
        fake.send_photo(chat, user, picture, media_group_id="al1", build_only=True)
        for _ in range(2)
    )
    async with telegram_running(fake, own_redis, key_prefix, engine, work, **webhook_settings()):
        async with Redis.from_url(own_redis) as admin:
            await admin.acl_setuser("default", enabled=True, commands=["-@scripting"])
            try:
                assert await fake.post_webhook(first, secret=SECRET) == 503
            finally:
                await admin.acl_setuser("default", enabled=True, commands=["+@all"])
        assert await fake.post_webhook(first, secret=SECRET) == 200  # Telegram's retry
        assert await fake.post_webhook(second, secret=SECRET) == 200
        await fake.wait_for(lambda f: GOT_IT in texts_sent(f, chat["id"]))

    assert texts_sent(fake, chat["id"]).count(GOT_IT) == 1, "one album, one acknowledgement"


async def test_polling_fetches_an_update_again_until_redis_records_it(
    fake_telegram: FakeTelegram,
    own_redis: str,
    key_prefix: str,
    engine: RunningEngine,
    tmp_path: Path,
) -> None:
    fake = fake_telegram
    user = fake.user(52, "Qi")
    chat = fake.private_chat(user)
    async with telegram_running(fake, own_redis, key_prefix, engine, tmp_path / "work"):
        async with writes_refused(own_redis):
            update = fake.send_text(chat, user, "credits")
            update_id = update["update_id"]
            await fake.wait_for(lambda f: f.deliveries.get(update_id, 0) >= 2, within_s=15)
            assert update in fake.updates, "not confirmed while it is not recorded"
            assert not answers(fake, chat["id"])
        await fake.wait_for(lambda f: said(f, chat["id"], "Credits:"))
        fake.send_text(chat, user, "status")
        await fake.wait_for(lambda f: said(f, chat["id"], "The timeline"))

    assert sum(t.startswith("Credits:") for t in answers(fake, chat["id"])) == 1


async def test_a_refused_message_is_told_and_leaves_no_got_it_behind(
    fake_telegram: FakeTelegram,
    redis_url: str,
    key_prefix: str,
    engine: RunningEngine,
    tmp_path: Path,
) -> None:
    fake = fake_telegram
    user = fake.user(53, "Ru")
    chat = fake.private_chat(user)
    work = tmp_path / "work"
    limits = {"limit_user_messages_per_minute": 1}
    async with telegram_running(
        fake, redis_url, key_prefix, engine, work, **webhook_settings(), **limits
    ):
        first = fake.send_text(chat, user, "/export", build_only=True)
        assert await fake.post_webhook(first, secret=SECRET) == 200
        await fake.wait_for(lambda f: any("nothing to export" in t for t in answers(f, chat["id"])))
        second = fake.send_text(chat, user, "/export", build_only=True)
        assert await fake.post_webhook(second, secret=SECRET) == 200  # handled, refused

    assert any("faster than this bot allows" in t for t in answers(fake, chat["id"]))
    assert texts_sent(fake, chat["id"]).count(GOT_IT) == 2
    assert GOT_IT not in live_texts(fake, chat["id"]), "the refused message's Got it stays"


# -- webhook bodies that are no update --------------------------------------------------------

UNREADABLE = {
    "a missing field": b'{"update_id": 5, "message": {"message_id": 1, "text": "secret-ish"}}',
    "a JSON array": b'[{"update_id": 6}, "secret-ish"]',
    "null": b"null",
    "not JSON at all": b"secret-ish <html>",
}


async def test_webhook_bodies_that_are_no_update_are_answered_200_logged_and_counted(
    fake_telegram: FakeTelegram,
    redis_url: str,
    key_prefix: str,
    engine: RunningEngine,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_telegram
    user = fake.user(54, "Sa")
    chat = fake.private_chat(user)
    work = tmp_path / "work"
    caplog.set_level(logging.WARNING)
    async with telegram_running(
        fake, redis_url, key_prefix, engine, work, **webhook_settings()
    ) as runtime:
        statuses = {shape: await post_raw(fake, body) for shape, body in UNREADABLE.items()}
        update = fake.send_text(chat, user, "status", build_only=True)
        assert await post_raw(fake, json.dumps(update).encode()) == 200
        await fake.wait_for(lambda f: said(f, chat["id"], "The timeline"))
        registry = runtime.core.metrics.registry

    assert statuses == dict.fromkeys(UNREADABLE, 200)
    counted = registry.get_sample_value(
        "clipbridge_unreadable_updates_total", {"platform": "telegram"}
    )
    assert counted == len(UNREADABLE)
    dropped = [r for r in caplog.records if r.getMessage() == "unreadable webhook update dropped"]
    assert len(dropped) == len(UNREADABLE)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "no traceback"
    logged = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert "secret-ish" not in logged


async def test_an_oversized_webhook_body_is_refused_413_without_being_read(
    fake_telegram: FakeTelegram,
    redis_url: str,
    key_prefix: str,
    engine: RunningEngine,
    tmp_path: Path,
) -> None:
    """Both bodies are left unfinished: an answer that waited to read them all never comes."""
    fake = fake_telegram
    work = tmp_path / "work"
    async with telegram_running(fake, redis_url, key_prefix, engine, work, **webhook_settings()):
        assert fake.webhook is not None
        declared = {"Content-Length": str(50 << 20), "Content-Type": "application/json"}
        async with asyncio.timeout(10):
            assert await exchange(fake.webhook.url, declared, b'{"update_id": 1,') == 413
        chunk = b"x" * (256 << 10)
        streamed = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(5))
        chunked = {"Transfer-Encoding": "chunked", "Content-Type": "application/json"}
        async with asyncio.timeout(10):
            assert await exchange(fake.webhook.url, chunked, streamed) == 413


# -- who is speaking, and to whom ---------------------------------------------------------------


async def test_an_anonymous_admin_is_an_admin_addressing_the_bot(
    telegram_bot: BotFor,
    fake_telegram: FakeTelegram,
) -> None:
    fake = fake_telegram
    member = fake.user(55, "Ti")
    group = fake.group_chat(-100900, "Anon")
    anonymous = group_anonymous_bot()
    async with telegram_bot():
        fake.send_text(group, anonymous, f"/access@{BOT} admins", sender_chat=group)
        await fake.wait_for(lambda f: said(f, group["id"], "From now on only admins"))
        fake.send_text(group, member, f"/export@{BOT}")
        await fake.wait_for(lambda f: len(answers(f, group["id"])) >= 2)

    assert answers(fake, group["id"])[1] == ADMINS_ONLY
    asked = [c.params.get("user_id") for c in fake.calls_of("getChatMember")]
    assert asked == [member["id"]], "Telegram is not asked about the anonymous admin"


async def test_buttons_an_anonymous_admin_asked_for_are_every_admins(
    telegram_bot: BotFor,
    fake_telegram: FakeTelegram,
) -> None:
    fake = fake_telegram
    admin, member = fake.user(56, "Uma"), fake.user(57, "Vic")
    group = fake.group_chat(-100901, "Anon buttons")
    fake.set_member_status(group["id"], admin["id"], "administrator")
    owned_by_the_group = f"export:{group['id']}"
    async with telegram_bot():
        fake.send_text(group, admin, f"{BOT_NAME} help")
        await fake.wait_for(lambda f: bool(answers(f, group["id"])))
        message_id = fake.sent[group["id"]][-1]["message_id"]
        fake.press_button(group, member, message_id, owned_by_the_group)
        await fake.wait_for(lambda f: bool(f.calls_of("answerCallbackQuery")))
        fake.press_button(group, admin, message_id, owned_by_the_group)
        await fake.wait_for(
            lambda f: any("nothing to export" in t for t in answers(f, group["id"]))
        )

    refusal = fake.calls_of("answerCallbackQuery")[0].params
    assert "belong to the person who asked" in refusal["text"]


async def test_in_a_topic_the_bot_opened_only_real_replies_to_it_count(
    telegram_bot: BotFor,
    fake_telegram: FakeTelegram,
) -> None:
    fake = fake_telegram
    user = fake.user(58, "Wu")
    group = fake.group_chat(-100902, "Forum", forum=True)
    base = f"{fake.base_url}/bot"
    async with Bot(fake.token, base_url=base, base_file_url=f"{fake.base_url}/file/bot") as bot:
        topic = await bot.create_forum_topic(group["id"], "Renders")
    thread = topic.message_thread_id
    async with telegram_bot():
        chatter = fake.send_text(group, user, "nice sunset, thanks", thread_id=thread)
        fake.send_text(group, user, f"{BOT_NAME} status", thread_id=thread)
        await fake.wait_for(lambda f: bool(answers(f, group["id"])))
        answer = fake.sent[group["id"]][-1]
        fake.send_text(group, user, "status", thread_id=thread, reply_to=answer)
        await fake.wait_for(lambda f: len(answers(f, group["id"])) >= 2)

    assert chatter["message"]["reply_to_message"]["forum_topic_created"]["name"] == "Renders"
    empty = "The timeline is empty: send me a photo to start."
    assert answers(fake, group["id"]) == [empty, empty]
    sent = [c.params for c in fake.calls_of("sendMessage") if c.params["chat_id"] == group["id"]]
    assert all(p["message_thread_id"] == thread for p in sent)


async def test_forum_settings_are_the_groups_not_the_topics(
    telegram_bot: BotFor,
    fake_telegram: FakeTelegram,
) -> None:
    fake = fake_telegram
    admin, member = fake.user(59, "Xu"), fake.user(60, "Yan")
    group: JSON = fake.group_chat(-100903, "Forum settings", forum=True)
    fake.set_member_status(group["id"], admin["id"], "administrator")
    topic_a, topic_b = fake.open_topic(group, "A", by=admin), fake.open_topic(group, "B", by=admin)
    async with telegram_bot():
        fake.send_text(group, admin, f"/access@{BOT} admins", thread_id=topic_a)
        await fake.wait_for(lambda f: said(f, group["id"], "From now on only admins"))
        fake.send_text(group, member, f"/export@{BOT}", thread_id=topic_b)
        await fake.wait_for(lambda f: len(answers(f, group["id"])) >= 2)

    assert answers(fake, group["id"])[1] == ADMINS_ONLY
