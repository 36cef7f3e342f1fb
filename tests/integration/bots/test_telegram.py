"""The Telegram adapter end to end: the real python-telegram-bot client against a fake Bot API
server, the core and the local engine behind it."""

from __future__ import annotations

import io
import json
import re
from itertools import pairwise
from pathlib import Path

from PIL import Image
from redis.asyncio import Redis

from bots.telegram.service import SCOPES
from core.languages import LANGUAGES
from core.texts import text
from engine.api.server import RunningEngine
from engine.render.probe import ffmpeg_binary, probe
from tests.fakes.recording_proxy import RecordingProxy
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram.wire import Call
from tests.fixtures.engine import EngineFactory
from tests.fixtures.platforms import BotFor, telegram_running
from tests.fixtures.ports import free_port

BOT_NAME = "@clip_test_bot"


def texts_sent(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [
        str(c.params.get("text", ""))
        for c in fake.calls_of("sendMessage")
        if c.params.get("chat_id") == chat_id
    ]


def answers(fake: FakeTelegram, chat_id: int) -> list[str]:
    """What the bot said, without its progress notices."""
    return [t for t in texts_sent(fake, chat_id) if not t.startswith("⏳")]


def videos(fake: FakeTelegram) -> list[Call]:
    return [c for c in fake.calls_of("sendVideo") if c.status == 200]


async def test_a_private_photo_comes_back_as_a_streamable_video(
    telegram_bot: BotFor,
    fake_telegram: FakeTelegram,
    photo_bytes: bytes,
    tmp_path: Path,
) -> None:
    fake = fake_telegram
    user = fake.user(7, "Ana")
    chat = fake.private_chat(user)
    async with telegram_bot():
        fake.send_photo(chat, user, photo_bytes)
        await fake.wait_for(lambda f: videos(f), within_s=60)

    (call,) = videos(fake)
    params = call.params
    assert (params["width"], params["height"], params["duration"]) == (1920, 1080, 5)
    assert params["supports_streaming"] is True
    assert "Your video" in params["caption"]
    _, video_bytes, _ = call.files["video"]
    kept = tmp_path / "got.mp4"
    kept.write_bytes(video_bytes)
    info = await probe(kept, ffmpeg_binary())
    assert (info.video_codec, info.width, info.height) == ("h264", 1920, 1080)
    assert "thumbnail" in call.files and len(call.files["thumbnail"][1]) < 200_000
    # The cover shown before it plays: the title card, full width.
    with Image.open(io.BytesIO(call.files["cover"][1])) as front:
        assert front.format == "JPEG" and front.size == (1280, 720)
    buttons = [b["callback_data"] for b in params["reply_markup"]["inline_keyboard"][0]]
    assert buttons == ["refine:7", "export:7", "new:7"]
    # One progress message: acknowledged at once, then edited in place, never re-sent.
    first = texts_sent(fake, chat["id"])
    assert first[0] == "⏳ Got it…"
    progress_id = fake.sent[chat["id"]][0]["message_id"]
    edits = [c for c in fake.calls_of("editMessageText") if c.params["message_id"] == progress_id]
    assert edits and all(c.status in (200, 400) for c in edits)
    assert fake.sent[chat["id"]][0]["text"].startswith("✅ Done")
    # Edited at most once a second, its last word ("Done") included.
    gaps = [b.at - a.at for a, b in pairwise(edits)]
    assert len(edits) >= 2 and min(gaps) >= 0.95, gaps
    # "Typing…" is shown while it works, and kept up rather than sent again at every step:
    # the same action comes again only when it is about to lapse, or once a message (which
    # clears it) went out in between.
    actions = fake.calls_of("sendChatAction")
    assert actions
    for earlier, later in pairwise(actions):
        between = [
            c
            for c in fake.calls
            if c.method in ("sendMessage", "sendVideo") and earlier.at < c.at < later.at
        ]
        if later.params["action"] == earlier.params["action"] and not between:
            assert later.at - earlier.at >= 3.5, (earlier.params, later.at - earlier.at)


async def test_an_album_of_three_gives_three_videos_and_one_progress_message(
    telegram_bot: BotFor,
    fake_telegram: FakeTelegram,
    photo_bytes: bytes,
) -> None:
    fake = fake_telegram
    user = fake.user(8, "Bo")
    chat = fake.private_chat(user)
    async with telegram_bot():
        for n in range(3):
            fake.send_photo(
                chat,
                user,
                photo_bytes,
                media_group_id="album-1",
                caption="make it square" if n == 0 else None,
            )
        await fake.wait_for(lambda f: len(videos(f)) == 3, within_s=120)

    assert texts_sent(fake, chat["id"]).count("⏳ Got it…") == 1
    assert all((c.params["width"], c.params["height"]) == (1080, 1080) for c in videos(fake))


async def test_in_a_group_only_mentions_are_answered(
    telegram_bot: BotFor,
    fake_telegram: FakeTelegram,
    photo_bytes: bytes,
) -> None:
    fake = fake_telegram
    user = fake.user(9, "Cy")
    group = fake.group_chat(-100500, "Makers")
    async with telegram_bot():
        ignored = fake.send_text(group, user, "status of the sunset photo?")
        fake.send_photo(group, user, photo_bytes)  # a plain photo, no mention: ignored too
        fake.send_text(group, user, f"{BOT_NAME} status")
        await fake.wait_for(lambda f: len(texts_sent(f, group["id"])) >= 1)

    sent = texts_sent(fake, group["id"])
    assert sent == ["The timeline is empty: send me a photo to start."]
    replies_to = [
        c.params.get("reply_parameters", {}).get("message_id") for c in fake.calls_of("sendMessage")
    ]
    assert ignored["message"]["message_id"] not in replies_to
    assert not fake.calls_of("sendVideo")


async def test_a_groups_chatter_is_not_written_to_redis(
    telegram_bot: BotFor, fake_telegram: FakeTelegram, redis: Redis, key_prefix: str
) -> None:
    """Where the bot reads every message of a group, only those that speak to it are marked
    as delivered: the rest cost the ingress no call to Redis."""
    fake = fake_telegram
    user = fake.user(9, "Cy")
    group = fake.group_chat(-100501, "Makers")
    async with telegram_bot():
        for n in range(5):
            fake.send_text(group, user, f"nice one {n}")
        asked = fake.send_text(group, user, f"{BOT_NAME} status")
        await fake.wait_for(lambda f: len(texts_sent(f, group["id"])) >= 1)

    marks = {key.decode() async for key in redis.scan_iter(f"{key_prefix}:delivery:telegram:*")}
    assert marks == {f"{key_prefix}:delivery:telegram:{asked['update_id']}"}


async def test_an_update_that_breaks_the_parser_is_dropped_and_polling_goes_on(
    telegram_bot: BotFor, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    user = fake.user(8, "Bo")
    chat = fake.private_chat(user)
    async with telegram_bot():
        broken = fake.send_text(chat, user, "/help", entities=[{"type": "bot_command"}])
        past = broken["update_id"] + 1  # no offset in its entity: taken, logged, confirmed
        await fake.wait_for(
            lambda f: any(c.params.get("offset") == past for c in f.calls_of("getUpdates"))
        )
        fake.send_text(chat, user, "/help")
        await fake.wait_for(lambda f: len(texts_sent(f, chat["id"])) >= 1)

    assert texts_sent(fake, chat["id"]) == [text("help", "en")]  # the second, once


async def test_a_strangers_button_press_is_refused_and_the_owners_counts(
    telegram_bot: BotFor,
    fake_telegram: FakeTelegram,
) -> None:
    fake = fake_telegram
    owner, stranger = fake.user(10, "Di"), fake.user(11, "Ed")
    group = fake.group_chat(-100600, "Club")
    async with telegram_bot():
        fake.send_text(group, owner, f"{BOT_NAME} help")
        await fake.wait_for(lambda f: bool(texts_sent(f, group["id"])))
        help_message = fake.sent[group["id"]][-1]["message_id"]
        fake.press_button(group, stranger, help_message, "export:10")
        await fake.wait_for(lambda f: bool(f.calls_of("answerCallbackQuery")))
        fake.press_button(group, owner, help_message, "export:10")
        await fake.wait_for(
            lambda f: any("nothing to export" in t for t in texts_sent(f, group["id"]))
        )

    refusal = fake.calls_of("answerCallbackQuery")[0].params
    assert "belong to the person who asked" in refusal["text"]
    assert refusal["show_alert"] is True
    assert len(fake.calls_of("answerCallbackQuery")) == 2


async def test_a_flood_wait_is_waited_out(
    telegram_bot: BotFor,
    fake_telegram: FakeTelegram,
    photo_bytes: bytes,
) -> None:
    fake = fake_telegram
    user = fake.user(12, "Fa")
    chat = fake.private_chat(user)
    fake.flood("sendVideo", retry_after=1, times=1)
    async with telegram_bot():
        fake.send_photo(chat, user, photo_bytes)
        await fake.wait_for(lambda f: videos(f), within_s=60)

    attempts = fake.calls_of("sendVideo")
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 1.0
    assert not any("didn't work" in t for t in texts_sent(fake, chat["id"]))


async def test_a_video_over_the_upload_limit_is_sent_as_a_smaller_copy(
    fake_telegram: FakeTelegram,
    redis_url: str,
    key_prefix: str,
    engine: RunningEngine,
    photo_bytes: bytes,
    tmp_path: Path,
) -> None:
    fake = fake_telegram
    user = fake.user(13, "Gi")
    chat = fake.private_chat(user)
    async with telegram_running(
        fake, redis_url, key_prefix, engine, tmp_path / "work", telegram_upload_limit_mb=0.25
    ):
        fake.send_photo(chat, user, photo_bytes)
        await fake.wait_for(lambda f: videos(f), within_s=90)

    (call,) = videos(fake)
    assert len(call.files["video"][1]) <= 250_000
    assert "smaller copy" in call.params["caption"]


async def test_a_file_telegram_will_not_hand_over_gets_a_clear_message(
    telegram_bot: BotFor,
    fake_telegram: FakeTelegram,
    photo_bytes: bytes,
) -> None:
    fake = fake_telegram
    user = fake.user(14, "Hu")
    chat = fake.private_chat(user)
    async with telegram_bot():
        fake.send_video(chat, user, b"\x00" * 1000, file_size=25_000_000)
        fake.send_text(chat, user, "status")
        await fake.wait_for(
            lambda f: any(t.startswith("The timeline") for t in texts_sent(f, chat["id"]))
        )

    problem = next(t for t in texts_sent(fake, chat["id"]) if "couldn't fetch" in t)
    assert "20 MB" in problem
    assert not fake.downloads


async def test_exports_can_be_reserved_for_group_admins(
    telegram_bot: BotFor,
    fake_telegram: FakeTelegram,
) -> None:
    fake = fake_telegram
    admin, member = fake.user(15, "Ida"), fake.user(16, "Jo")
    group = fake.group_chat(-100700, "Guild")
    fake.set_member_status(group["id"], admin["id"], "administrator")
    async with telegram_bot():
        fake.send_text(group, member, f"/access@{BOT_NAME[1:]} admins")
        fake.send_text(group, admin, f"/access@{BOT_NAME[1:]} admins")
        fake.send_text(group, member, f"/export@{BOT_NAME[1:]}")
        fake.send_text(group, admin, f"/export@{BOT_NAME[1:]}")
        await fake.wait_for(lambda f: len(answers(f, group["id"])) >= 4, within_s=30)

    sent = answers(fake, group["id"])
    assert sent[0] == "In this group only admins can do that."
    assert sent[1].startswith("From now on only admins can export")
    assert sent[2] == "In this group only admins can do that."
    assert "nothing to export" in sent[3]


async def test_a_groups_running_job_is_cancelled_by_its_requester_or_an_admin_only(
    fake_telegram: FakeTelegram,
    redis_url: str,
    key_prefix: str,
    make_engine: EngineFactory,
    photo_bytes: bytes,
    tmp_path: Path,
) -> None:
    fake = fake_telegram
    engine = make_engine(think_s=60.0, heartbeat_s=0.2)  # the agent thinks until cancelled
    admin, asker, other = fake.user(20, "Ana"), fake.user(21, "Ben"), fake.user(22, "Cy")
    group = fake.group_chat(-100701, "Club")
    fake.set_member_status(group["id"], admin["id"], "administrator")
    refused = "Only the person who asked for it or a group admin can cancel it."
    async with telegram_running(fake, redis_url, key_prefix, engine, tmp_path / "work"):
        fake.send_photo(group, asker, photo_bytes, caption=f"{BOT_NAME} explain this")
        await fake.wait_for(lambda f: bool(f.calls_of("editMessageText")), within_s=30)
        fake.send_text(group, other, f"/cancel@{BOT_NAME[1:]}")
        await fake.wait_for(lambda f: refused in answers(f, group["id"]), within_s=30)
        fake.send_text(group, admin, f"/cancel@{BOT_NAME[1:]}")
        progress = fake.sent[group["id"]][0]
        await fake.wait_for(lambda f: progress["text"].startswith("🛑 Cancelled"), within_s=30)

    assert answers(fake, group["id"]).count(refused) == 1
    assert "Stopping it…" in answers(fake, group["id"])
    assert not any("Cancelled" in answer for answer in answers(fake, group["id"]))
    assert not videos(fake)


async def test_webhook_refuses_a_wrong_secret_and_processes_an_update_once(
    fake_telegram: FakeTelegram,
    redis_url: str,
    key_prefix: str,
    engine: RunningEngine,
    tmp_path: Path,
) -> None:
    fake = fake_telegram
    user = fake.user(17, "Ko")
    chat = fake.private_chat(user)
    port = free_port()
    async with telegram_running(
        fake,
        redis_url,
        key_prefix,
        engine,
        tmp_path / "work",
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
        telegram_webhook_secret="s3cret-webhook-value",
        telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=port,
    ):
        update = fake.send_text(chat, user, "credits", build_only=True)
        assert await fake.post_webhook(update, secret="wrong") == 403
        assert await fake.post_webhook(update, secret=None) == 403
        assert await fake.post_webhook(update, secret="s3cret-webhook-value") == 200
        assert await fake.post_webhook(update, secret="s3cret-webhook-value") == 200
        other = fake.send_text(chat, user, "status", build_only=True)
        assert await fake.post_webhook(other, secret="s3cret-webhook-value") == 200
        await fake.wait_for(lambda f: len(texts_sent(f, chat["id"])) >= 2)

    sent = texts_sent(fake, chat["id"])
    assert sum(t.startswith("Credits:") for t in sent) == 1
    assert fake.webhook is not None
    assert not fake.calls_of("getUpdates")


async def test_a_group_can_ask_for_plain_photos_to_be_answered(
    telegram_bot: BotFor,
    fake_telegram: FakeTelegram,
    photo_bytes: bytes,
) -> None:
    fake = fake_telegram
    admin, member = fake.user(18, "Lu"), fake.user(19, "Mi")
    group = fake.group_chat(-100800, "Photos")
    fake.set_member_status(group["id"], admin["id"], "creator")
    async with telegram_bot():
        fake.send_text(group, member, f"/photos@{BOT_NAME[1:]} on")
        fake.send_photo(group, member, photo_bytes)  # still off: ignored
        fake.send_text(group, admin, f"/photos@{BOT_NAME[1:]} on")
        await fake.wait_for(
            lambda f: any("answer plain photos" in t for t in answers(f, group["id"]))
        )
        fake.send_photo(group, member, photo_bytes)  # no mention, answered now
        await fake.wait_for(lambda f: videos(f), within_s=60)

    assert answers(fake, group["id"])[0] == "In this group only admins can do that."
    assert len(videos(fake)) == 1


async def test_the_backend_never_sees_the_bot_token_or_a_telegram_file_url(
    fake_telegram: FakeTelegram,
    redis_url: str,
    key_prefix: str,
    engine: RunningEngine,
    photo_bytes: bytes,
    tmp_path: Path,
) -> None:
    """A Telegram file URL holds the bot token: the photo is streamed through our process and
    uploaded as bytes, and nothing about Telegram goes to the video backend."""
    fake = fake_telegram
    user = fake.user(9, "Cy")
    chat = fake.private_chat(user)
    async with (
        RecordingProxy(engine.base_url) as proxy,
        telegram_running(fake, redis_url, key_prefix, proxy, tmp_path / "work"),
    ):
        fake.send_photo(chat, user, photo_bytes, caption="make it 9:16")
        await fake.wait_for(lambda f: videos(f), within_s=60)

    sent = [request.text() for request in proxy.requests]
    assert any(photo_bytes[-256:] in r.body for r in proxy.requests), "the photo's own bytes"
    assert not [text for text in sent if fake.token in text]
    assert not [text for text in sent if "/file/bot" in text or fake.base_url in text]


async def test_a_compressed_photo_without_a_record_is_told_to_come_as_a_file(
    telegram_bot: BotFor, fake_telegram: FakeTelegram, photo_bytes: bytes, tmp_path: Path
) -> None:
    """Telegram drops a photo's metadata; a document keeps the bytes (and the record)."""
    from bots.sample import make_demo_picture

    fake = fake_telegram
    user = fake.user(9, "Cy")
    chat = fake.private_chat(user)
    recorded = make_demo_picture(tmp_path / "dusk.png").read_bytes()
    as_file = "“as a file”"
    async with telegram_bot():
        fake.send_photo(chat, user, photo_bytes)
        await fake.wait_for(lambda f: len(videos(f)) == 1, within_s=60)
        fake.send_document(chat, user, recorded, file_name="dusk.png", mime_type="image/png")
        await fake.wait_for(lambda f: len(videos(f)) == 2, within_s=60)

    cards = [a for a in answers(fake, chat["id"]) if "record" in a]
    assert len(cards) == 2, cards
    assert cards[0].startswith("No provenance record found") and as_file in cards[0]
    assert "Automatic1111" in cards[1] and as_file not in cards[1]


async def test_the_command_menus_fit_each_audience_and_language(
    telegram_bot: BotFor, fake_telegram: FakeTelegram
) -> None:
    """Private chats, group members and group admins each get their menu, in English (also
    the default) and in every other language the bot speaks; a group's settings show only to
    its admins, and everyone may choose their own language."""
    fake = fake_telegram
    every = 1 + len(SCOPES) * len(LANGUAGES)
    async with telegram_bot():
        await fake.wait_for(lambda f: len(f.commands) >= every)

    def menu(scope: str, language: str = "") -> dict[str, str]:
        key = (json.dumps({"type": scope}), language)
        return {c["command"]: c["description"] for c in fake.commands[key]}

    private, members, admins = (
        menu(scope) for scope in ("all_private_chats", "all_group_chats", "all_chat_administrators")
    )
    assert menu("default") == private
    assert {"help", "export", "lang", "aspect"} <= set(private)
    assert not {"access", "photos"} & set(private), "group settings mean nothing in private"
    assert "lang" in members and not {"aspect", "access", "photos"} & set(members)
    assert set(admins) == set(members) | {"aspect", "access", "photos", "ack"}
    assert private["export"] == "Render the current timeline"
    for language in LANGUAGES[1:]:
        translated = menu("all_chat_administrators", language)
        assert set(translated) == set(admins), language
        assert translated["export"] == text("command.export", language) != private["export"]
    chinese = menu("all_chat_administrators", "zh")
    assert chinese["export"] == "渲染当前时间线"
    assert all(re.search(r"[\u4e00-\u9fff]", about) for about in chinese.values())
    arabic = menu("all_group_chats", "ar").values()
    assert all(re.search(r"[\u0600-\u06ff]", about) for about in arabic)

    # Started again with the same menus, the bot sets only the default one (its first call).
    before = len(fake.calls_of("setMyCommands"))
    async with telegram_bot():
        pass
    assert len(fake.calls_of("setMyCommands")) == before + 1


async def test_a_busy_group_can_be_answered_with_reactions_instead_of_progress_messages(
    telegram_bot: BotFor,
    fake_telegram: FakeTelegram,
    photo_bytes: bytes,
) -> None:
    """After an admin's /ack reaction, a photo gets 👀 at once and 🎉 when its video is out,
    with no "Got it" or progress message in the group; the video still replies to it."""
    fake = fake_telegram
    admin, member = fake.user(20, "Noa"), fake.user(21, "Oz")
    group = fake.group_chat(-100900, "Busy")
    fake.set_member_status(group["id"], admin["id"], "administrator")
    async with telegram_bot():
        fake.send_text(group, member, f"/ack@{BOT_NAME[1:]} reaction")  # not an admin
        fake.send_text(group, admin, f"/ack@{BOT_NAME[1:]} reaction")
        await fake.wait_for(lambda f: len(answers(f, group["id"])) >= 2)
        update = fake.send_photo(group, member, photo_bytes, caption=BOT_NAME)
        request = update["message"]["message_id"]
        await fake.wait_for(lambda f: f.reactions.get((group["id"], request)) == ["👀"])
        await fake.wait_for(lambda f: videos(f), within_s=60)
        await fake.wait_for(lambda f: f.reactions.get((group["id"], request)) == ["🎉"])

    refused, told = answers(fake, group["id"])[:2]
    assert refused == "In this group only admins can do that."
    assert told.startswith("In this group I now react to each request")
    assert not [t for t in texts_sent(fake, group["id"]) if t.startswith(("⏳", "✅", "🎬"))]
    assert not fake.calls_of("editMessageText"), "no progress message to edit"
    shown = [c.params["reaction"] for c in fake.calls_of("setMessageReaction")]
    assert len(shown) <= 4, "the reaction changes with the stage, not with each percent"
    (video,) = videos(fake)
    assert video.params["reply_parameters"]["message_id"] == request
