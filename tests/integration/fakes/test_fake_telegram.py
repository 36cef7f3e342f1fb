"""The fake Telegram Bot API driven by the real python-telegram-bot client: getMe, messages and
edits, file download and the 20 MB refusal, a multipart video, flood control, long polling
through an Application, webhooks."""

from __future__ import annotations

import asyncio
import datetime as dtm
import io
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web
from PIL import Image
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, InvalidToken, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes, MessageHandler, filters

from tests.fakes.telegram.api import FakeTelegram, group_chat, private_chat, user
from tests.fakes.telegram.objects import JSON

ALICE = user(1001, "Alice")
VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 64


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns (an error here) on int time periods such as RetryAfter.retry_after.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    base = fake_telegram.base_url
    async with Bot(
        fake_telegram.token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot"
    ) as client:
        yield client


async def test_get_me_wrong_token_and_unknown_method(fake_telegram: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456789, "clip_test_bot", True)
    stranger = Bot("123456789:AA" + "x" * 33, base_url=f"{fake_telegram.base_url}/bot")
    with pytest.raises(InvalidToken, match="rejected"):
        async with stranger:  # initialize() calls getMe, and shuts down when it fails
            pass
    async with httpx.AsyncClient(base_url=fake_telegram.base_url) as http:
        missing = await http.post(f"/bot{fake_telegram.token}/sendTelepathy", data={"a": "1"})
    assert missing.status_code == 404
    assert missing.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert [call.method for call in fake_telegram.calls] == ["getMe", "getMe"]


async def test_send_then_edit_and_not_modified(fake_telegram: FakeTelegram, bot: Bot) -> None:
    chat = fake_telegram.private_chat(ALICE)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Export", callback_data="export")]])
    sent = await bot.send_message(
        chat["id"], "<b>Working</b> on it &lt;1 min", parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
    )  # fmt: skip
    assert sent.text == "Working on it <1 min"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 7)]
    assert sent.reply_markup == keyboard
    assert sent.from_user is not None and sent.from_user.id == 123456789

    edited = await bot.edit_message_text("Done", chat_id=chat["id"], message_id=sent.message_id)
    assert isinstance(edited, type(sent)) and edited.edit_date is not None
    assert [m["text"] for m in fake_telegram.sent[chat["id"]]] == ["Done"]
    assert "reply_markup" not in fake_telegram.sent[chat["id"]][0]  # an edit without it drops it

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Done", chat_id=chat["id"], message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("Done", chat_id=chat["id"], message_id=999)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(chat["id"], "1 < 2", parse_mode=ParseMode.HTML)
    second = await bot.send_message(chat["id"], "again", reply_to_message_id=sent.message_id)
    assert second.message_id == sent.message_id + 1
    assert second.reply_to_message is not None
    assert second.reply_to_message.message_id == sent.message_id
    statuses = [call.status for call in fake_telegram.calls_of("editMessageText")]
    assert statuses == [200, 400, 400]


async def test_get_file_downloads_and_refuses_over_20_mb(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    data = png(64, 48)
    small = fake_telegram.add_file(data)
    file = await bot.get_file(small["file_id"])
    assert file.file_size == len(data) and file.file_path
    assert bytes(await file.download_as_bytearray()) == data
    buffer = io.BytesIO()
    await file.download_to_memory(buffer)
    assert buffer.getvalue() == data

    big = fake_telegram.add_file(b"tiny", file_size=20 * 1024 * 1024 + 1)
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await bot.get_file(big["file_id"])


async def test_send_video_records_multipart_fields(fake_telegram: FakeTelegram, bot: Bot) -> None:
    chat = fake_telegram.group_chat(-1001234567890, "Team", forum=True)
    thumb = png(320, 180)
    message = await bot.send_video(
        chat["id"], VIDEO, filename="explainer.mp4", width=1920, height=1080, duration=12,
        supports_streaming=True, caption="Your <i>video</i>", parse_mode=ParseMode.HTML,
        thumbnail=thumb, message_thread_id=7,
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data="a")]]),
    )  # fmt: skip
    assert message.video is not None
    assert (message.video.width, message.video.height, message.video.file_size) == (
        1920,
        1080,
        len(VIDEO),
    )
    assert message.caption == "Your video" and message.message_thread_id == 7
    assert message.video.thumbnail is not None and message.video.thumbnail.width == 320

    (call,) = fake_telegram.calls_of("sendVideo")
    assert call.files["video"] == ("explainer.mp4", VIDEO, "video/mp4")
    assert call.files["thumbnail"][1] == thumb
    assert call.params["width"] == 1920 and call.params["supports_streaming"] is True
    assert call.params["message_thread_id"] == 7 and call.params["caption"] == "Your <i>video</i>"
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"
    again = await bot.get_file(message.video.file_id)
    assert bytes(await again.download_as_bytearray()) == VIDEO

    fake_telegram.upload_limit_bytes = len(VIDEO) - 1
    with pytest.raises(NetworkError, match="Request Entity Too Large"):
        await bot.send_document(chat["id"], VIDEO, filename="big.mp4")
    assert fake_telegram.calls_of("sendDocument")[0].status == 413


async def test_flood_surfaces_as_retry_after(fake_telegram: FakeTelegram, bot: Bot) -> None:
    chat = fake_telegram.private_chat(ALICE)
    fake_telegram.flood("sendMessage", retry_after=3)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(chat["id"], "hi")
    assert raised.value.retry_after == dtm.timedelta(seconds=3)
    await bot.send_message(chat["id"], "hi")  # armed once only
    fake_telegram.fail("sendChatAction", 403, "Forbidden: bot was blocked by the user")
    with pytest.raises(Exception, match="blocked"):
        await bot.send_chat_action(chat["id"], "typing")
    assert [c.status for c in fake_telegram.calls_of("sendMessage")] == [429, 200]


async def test_long_poll_answers_when_an_update_arrives(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    chat = private_chat(ALICE)
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await fake_telegram.wait_for(lambda tg: len(tg.calls_of("getUpdates")) == 1, within_s=5)
    fake_telegram.send_text(chat, ALICE, "/export@clip_test_bot now")
    (update,) = await poll
    assert time.monotonic() - started < 5
    assert update.message is not None and update.message.text == "/export@clip_test_bot now"
    assert update.message.entities[0].type == "bot_command"
    assert update.message.entities[0].length == len("/export@clip_test_bot")
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    assert fake_telegram.updates == []


async def test_application_polling_runs_handlers(fake_telegram: FakeTelegram) -> None:
    base = fake_telegram.base_url
    app = (
        ApplicationBuilder().token(fake_telegram.token).base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot").build()
    )  # fmt: skip

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    async def export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("exporting")

    app.add_handler(CommandHandler("export", export))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    group = group_chat(-1005550001, "Makers")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=5))
        fake_telegram.send_text(group, ALICE, "hello there")
        fake_telegram.send_text(group, ALICE, "/export@clip_test_bot")
        await fake_telegram.wait_for(lambda tg: len(tg.sent.get(group["id"], [])) == 2, within_s=10)
        await app.updater.stop()
        await app.stop()
    replies = fake_telegram.sent[group["id"]]
    assert [m["text"] for m in replies] == ["echo: hello there", "exporting"]
    assert [m["reply_to_message"]["text"] for m in replies] == [
        "hello there",
        "/export@clip_test_bot",
    ]


async def test_webhook_blocks_polling_and_delivers_with_secret(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    received: list[tuple[str | None, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/tg", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/tg"
        assert await bot.set_webhook(url, secret_token="s3cret-token", drop_pending_updates=True)
        assert (await bot.get_webhook_info()).url == url
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        update: JSON = fake_telegram.send_text(private_chat(ALICE), ALICE, "via webhook")
        assert fake_telegram.updates == []  # not queued while the webhook is set
        assert await fake_telegram.post_webhook(update, secret="s3cret-token") == 200
        assert received == [("s3cret-token", update)]
        assert Update.de_json(received[0][1], bot).message.text == "via webhook"  # type: ignore[union-attr]
        assert await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == ()
    finally:
        await runner.cleanup()
