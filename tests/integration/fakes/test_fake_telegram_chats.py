"""More of the fake Telegram Bot API through the real python-telegram-bot client: buttons and
callback answers, chat members and commands, photo/document/video updates, JSON bodies, a
second poller, parse modes and their errors, reply markup edits."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import httpx
import pytest
from PIL import Image
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from tests.fakes.telegram.api import FakeTelegram, private_chat, user

ALICE = user(1001, "Alice")
VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 64


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns (an error here) on int time periods unless told to use timedeltas.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 30, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    base = fake_telegram.base_url
    async with Bot(
        fake_telegram.token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot"
    ) as client:
        yield client


async def test_buttons_chats_members_and_commands(fake_telegram: FakeTelegram, bot: Bot) -> None:
    group = fake_telegram.group_chat(-1009990001, "Makers")
    bob = fake_telegram.user(1002, "Bob", language_code="de")
    prompt = await bot.send_message(
        group["id"], "Pick", reply_markup=InlineKeyboardMarkup.from_button(
            InlineKeyboardButton("Go", callback_data="go:1")),
    )  # fmt: skip
    update = fake_telegram.press_button(group, bob, prompt.message_id, "go:1")
    (received,) = await bot.get_updates(timeout=0)
    query = received.callback_query
    assert query is not None and query.data == "go:1" and query.from_user.language_code == "de"
    assert query.message is not None and query.message.message_id == prompt.message_id
    assert await bot.answer_callback_query(query.id, text="Queued", show_alert=True)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(update["callback_query"]["id"])
    assert fake_telegram.calls_of("answerCallbackQuery")[0].params["show_alert"] is True

    fake_telegram.set_member_status(group["id"], bob["id"], "administrator")
    fake_telegram.set_member_status(group["id"], ALICE["id"], "creator")
    assert (await bot.get_chat_member(group["id"], bob["id"])).status == "administrator"
    assert (await bot.get_chat_member(group["id"], 4242)).status == "member"
    admins = await bot.get_chat_administrators(group["id"])
    assert sorted(admin.status for admin in admins) == ["administrator", "creator"]
    assert (await bot.get_chat(group["id"])).title == "Makers"
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.get_chat(-1)

    await bot.set_my_commands([("export", "Render the video"), ("credits", "Show credits")])
    assert [c.command for c in await bot.get_my_commands()] == ["export", "credits"]
    assert await bot.get_my_commands(language_code="de") == ()
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    assert await bot.delete_message(group["id"], prompt.message_id)
    assert fake_telegram.sent[group["id"]] == []
    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action"):
        await bot.send_chat_action(group["id"], "dancing")


async def test_photo_updates_json_bodies_and_second_poller(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    chat = private_chat(ALICE)
    photo = png(1600, 1200)
    fake_telegram.send_photo(chat, ALICE, photo, caption="/explain this", media_group_id="g1")
    (update,) = await bot.get_updates(timeout=0, allowed_updates=["message"])
    message = update.message
    assert message is not None and message.media_group_id == "g1"
    assert [(p.width, p.height) for p in message.photo] == [(90, 68), (320, 240), (1600, 1200)]
    assert message.caption_entities[0].type == "bot_command"
    largest = await bot.get_file(message.photo[-1].file_id)
    assert bytes(await largest.download_as_bytearray()) == photo
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()

    async with httpx.AsyncClient(
        base_url=f"{fake_telegram.base_url}/bot{fake_telegram.token}"
    ) as http:
        answer = await http.post("/sendMessage", json={"chat_id": chat["id"], "text": "json"})
        assert answer.json()["result"]["text"] == "json"
        polls = len(fake_telegram.calls_of("getUpdates"))
        first = asyncio.create_task(http.post("/getUpdates", data={"timeout": "10"}))
        await fake_telegram.wait_for(lambda tg: len(tg.calls_of("getUpdates")) > polls, within_s=5)
        second = await http.get("/getUpdates", params={"timeout": "0"})
        assert second.json() == {"ok": True, "result": []}
        assert (await first).status_code == 409
    with pytest.raises(TimeoutError):
        await fake_telegram.wait_for(lambda tg: False, within_s=0.05)


@pytest.mark.parametrize(
    ("mode", "source", "text", "entities"),
    [
        ("HTML", "<b>a</b> <a href='https://x.y'>link</a> &amp; 😀<i>é</i>", "a link & 😀é",
         [("bold", 0, 1), ("text_link", 2, 4), ("italic", 11, 1)]),
        ("HTML", '<pre><code class="language-py">x = 1</code></pre>', "x = 1", [("pre", 0, 5)]),
        ("MarkdownV2", r"*bold* _it_ `co\`de` [l](https://x.y) 1\.5", "bold it co`de l 1.5",
         [("bold", 0, 4), ("italic", 5, 2), ("code", 8, 5), ("text_link", 14, 1)]),
    ],
)  # fmt: skip
async def test_parse_modes(
    fake_telegram: FakeTelegram,
    bot: Bot,
    mode: str,
    source: str,
    text: str,
    entities: list[tuple[str, int, int]],
) -> None:
    chat = fake_telegram.private_chat(ALICE)
    sent = await bot.send_message(chat["id"], source, parse_mode=mode)
    assert sent.text == text
    assert [(e.type, e.offset, e.length) for e in sent.entities] == entities


@pytest.mark.parametrize(
    ("mode", "source"),
    [("HTML", "<b>open"), ("HTML", "<div>x</div>"), ("MarkdownV2", "v1.5"), ("MarkdownV2", "*x")],
)
async def test_parse_mode_errors(
    fake_telegram: FakeTelegram, bot: Bot, mode: str, source: str
) -> None:
    chat = fake_telegram.private_chat(ALICE)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(chat["id"], source, parse_mode=mode)


async def test_document_and_video_updates_and_markup_edits(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    chat = fake_telegram.group_chat(-1007770001, "Topics", forum=True)
    huge = 30 * 1024 * 1024
    fake_telegram.send_document(
        chat, ALICE, b"%PDF-1.4", file_name="brief.pdf", mime_type="application/pdf",
        caption="@clip_test_bot summarise", thread_id=3,
    )  # fmt: skip
    fake_telegram.send_video(chat, ALICE, VIDEO, file_size=huge, duration=4)
    document_update, video_update = await bot.get_updates(timeout=0)
    document = document_update.message
    assert document is not None and document.document is not None
    assert (document.document.file_name, document.message_thread_id) == ("brief.pdf", 3)
    assert document.caption_entities[0].type == "mention"
    video = video_update.message
    assert video is not None and video.video is not None and video.video.file_size == huge
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await bot.get_file(video.video.file_id)

    buttons = InlineKeyboardMarkup.from_button(InlineKeyboardButton("Stop", callback_data="s"))
    reply = await bot.send_message(
        chat["id"], "Rendering", message_thread_id=3, reply_to_message_id=document.message_id
    )
    assert reply.message_thread_id == 3 and reply.reply_to_message is not None
    await bot.edit_message_reply_markup(chat["id"], reply.message_id, reply_markup=buttons)
    assert fake_telegram.sent[chat["id"]][0]["reply_markup"] == buttons.to_dict()
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(chat["id"], reply.message_id, reply_markup=buttons)
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("mine now", chat_id=chat["id"], message_id=document.message_id)
