"""Telegram updates as core messages, and the group addressing rules."""

from __future__ import annotations

from typing import Any

from bots.telegram.parse import BotIdentity, Limits, inbound_from, message_of, readable

BOT = BotIdentity(999, "clip_test_bot")
LIMITS = Limits(upload_bytes=50_000_000)
USER = {"id": 7, "is_bot": False, "first_name": "Ana", "language_code": "zh-hans"}
PRIVATE = {"id": 7, "type": "private", "first_name": "Ana"}
GROUP = {"id": -100123, "type": "supergroup", "title": "Makers"}


def update(chat: dict[str, Any], **message: Any) -> dict[str, Any]:
    body = {"message_id": 5, "date": 1_700_000_000, "chat": chat, "from": USER, **message}
    return {"update_id": 41, "message": body}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def entity(kind: str, text: str, word: str) -> dict[str, Any]:
    start = text.index(word)
    return {"type": kind, "offset": utf16_len(text[:start]), "length": utf16_len(word)}


PHOTO = [
    {"file_id": f"small-{n}", "file_unique_id": f"u{n}", "width": w, "height": w, "file_size": w}
    for n, w in enumerate((90, 320, 1280))
]


def test_a_private_photo_takes_the_largest_size_and_its_caption() -> None:
    inbound = inbound_from(update(PRIVATE, photo=PHOTO, caption="make it 9:16"), BOT, LIMITS)
    assert inbound is not None
    assert [a.ref for a in inbound.attachments] == ["small-2"]
    assert inbound.attachments[0].size == 1280
    assert inbound.text == "make it 9:16"
    assert inbound.language == "zh-hans"
    assert inbound.chat.key == "telegram:7"
    assert not inbound.is_group
    assert inbound.upload_limit_bytes == 50_000_000


def test_a_plain_group_message_is_ignored() -> None:
    assert inbound_from(update(GROUP, text="nice sunset"), BOT, LIMITS) is None
    assert inbound_from(update(GROUP, photo=PHOTO), BOT, LIMITS) is None


def test_a_mention_after_an_emoji_is_found_by_its_utf16_offset() -> None:
    text = "🌅🌄 @clip_test_bot make it square"
    inbound = inbound_from(
        update(GROUP, text=text, entities=[entity("mention", text, "@clip_test_bot")]), BOT, LIMITS
    )
    assert inbound is not None
    assert inbound.text == "🌅🌄 make it square"
    assert inbound.is_group


def test_commands_for_this_bot_count_and_other_bots_commands_do_not() -> None:
    text = "/export@clip_test_bot"
    mine = update(GROUP, text=text, entities=[{"type": "bot_command", "offset": 0, "length": 21}])
    parsed = inbound_from(mine, BOT, LIMITS)
    assert parsed is not None
    assert parsed.command == "export"
    other = "/export@other_bot"
    theirs = update(
        GROUP, text=other, entities=[{"type": "bot_command", "offset": 0, "length": 17}]
    )
    assert inbound_from(theirs, BOT, LIMITS) is None


def test_a_caption_mention_on_a_photo_in_a_group_is_answered() -> None:
    caption = "@clip_test_bot explain this"
    parsed = inbound_from(
        update(
            GROUP,
            photo=PHOTO,
            caption=caption,
            caption_entities=[entity("mention", caption, "@clip_test_bot")],
        ),
        BOT,
        LIMITS,
    )
    assert parsed is not None
    assert parsed.text == "explain this"
    assert len(parsed.attachments) == 1


def test_a_reply_to_the_bot_is_answered_and_topics_keep_their_thread() -> None:
    bot_message = {
        "message_id": 3,
        "date": 1_700_000_000,
        "chat": GROUP,
        "from": {"id": 999, "is_bot": True, "first_name": "Clip"},
        "text": "done",
    }
    parsed = inbound_from(
        update(
            GROUP,
            text="add a title",
            reply_to_message=bot_message,
            message_thread_id=77,
            is_topic_message=True,
        ),
        BOT,
        LIMITS,
    )
    assert parsed is not None
    assert parsed.chat.key == "telegram:-100123:77"


def test_bots_and_empty_messages_are_ignored() -> None:
    from_bot = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 1,
            "chat": PRIVATE,
            "text": "hi",
            "from": {"id": 5, "is_bot": True, "first_name": "B"},
        },
    }
    assert inbound_from(from_bot, BOT, LIMITS) is None
    assert inbound_from(update(PRIVATE, text="   "), BOT, LIMITS) is None


def test_documents_and_videos_are_attachments() -> None:
    document = {
        "file_id": "doc",
        "file_unique_id": "d",
        "file_name": "art.png",
        "mime_type": "image/png",
        "file_size": 10,
    }
    parsed = inbound_from(update(PRIVATE, document=document), BOT, LIMITS)
    assert parsed is not None
    assert parsed.attachments[0].filename == "art.png"
    video = {"file_id": "vid", "file_unique_id": "v", "width": 1, "height": 1, "duration": 2}
    parsed = inbound_from(update(PRIVATE, video=video), BOT, LIMITS)
    assert parsed is not None
    assert parsed.attachments[0].mime == "video/mp4"


ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group"}


def test_an_anonymous_admin_mentioning_the_bot_is_an_admin_addressing_it() -> None:
    text = "@clip_test_bot status"
    parsed = inbound_from(
        update(
            GROUP,
            text=text,
            entities=[entity("mention", text, "@clip_test_bot")],
            sender_chat=GROUP,
            author_signature="Owner",
            **{"from": ANONYMOUS_ADMIN},
        ),
        BOT,
        LIMITS,
    )
    assert parsed is not None
    assert parsed.sender.is_admin
    assert (parsed.sender.id, parsed.sender.name) == ("-100123", "Owner")
    assert parsed.text == "status"


def test_a_channel_speaking_in_a_group_is_not_someone_addressing_the_bot() -> None:
    channel = {"id": -100999, "type": "channel", "title": "News"}
    text = "@clip_test_bot status"
    parsed = inbound_from(
        update(
            GROUP,
            text=text,
            entities=[entity("mention", text, "@clip_test_bot")],
            sender_chat=channel,
            **{"from": {"id": 136817688, "is_bot": True, "first_name": "Channel"}},
        ),
        BOT,
        LIMITS,
    )
    assert parsed is None


FORUM = {"id": -100123, "type": "supergroup", "title": "Makers", "is_forum": True}
TOPIC_OPENED_BY_BOT = {
    "message_id": 77,
    "date": 1_700_000_000,
    "chat": FORUM,
    "from": {"id": 999, "is_bot": True, "first_name": "Clip"},
    "message_thread_id": 77,
    "is_topic_message": True,
    "forum_topic_created": {"name": "Renders", "icon_color": 7322096},
}


def test_the_opening_message_of_a_topic_the_bot_opened_is_not_a_reply_to_the_bot() -> None:
    in_topic = {"message_thread_id": 77, "is_topic_message": True}
    chatter = update(FORUM, text="nice sunset", reply_to_message=TOPIC_OPENED_BY_BOT, **in_topic)
    assert inbound_from(chatter, BOT, LIMITS) is None
    bot_answer = {**TOPIC_OPENED_BY_BOT, "message_id": 80, "text": "done"}
    del bot_answer["forum_topic_created"]
    reply = update(FORUM, text="add a title", reply_to_message=bot_answer, **in_topic)
    assert inbound_from(reply, BOT, LIMITS) is not None


def test_topics_share_their_groups_settings_and_keep_their_own_conversation() -> None:
    text = "@clip_test_bot status"
    mention = [entity("mention", text, "@clip_test_bot")]
    in_topic = update(
        FORUM, text=text, entities=mention, message_thread_id=77, is_topic_message=True
    )
    parsed = inbound_from(in_topic, BOT, LIMITS)
    assert parsed is not None
    assert parsed.chat.key == "telegram:-100123:77"
    assert parsed.settings_key == "telegram:-100123"
    outside = inbound_from(update(FORUM, text=text, entities=mention), BOT, LIMITS)
    assert outside is not None
    assert outside.settings_key == outside.chat.key == "telegram:-100123"


def test_updates_missing_what_routing_reads_are_unreadable() -> None:
    press = {"id": "77", "from": USER, "data": "export:7"}
    assert readable(update(PRIVATE, text="hi"))
    assert readable({"update_id": 3, "callback_query": press})
    assert readable(
        {
            "update_id": 3,
            "callback_query": {**press, "message": {"message_id": 1, "date": 0, "chat": PRIVATE}},
        }
    )  # a message the bot can no longer see
    assert readable({"update_id": 4, "edited_message": {}})  # a kind the bot does not read
    broken: Any
    for broken in (
        [],
        {"update_id": "41", "message": update(PRIVATE, text="hi")["message"]},
        {"update_id": 41, "message": "hi"},
        {"update_id": 41, "message": {"message_id": 5, "date": 1, "text": "no chat"}},
        {"update_id": 41, "message": {"message_id": 5, "chat": {"id": "7", "type": "private"}}},
        {"update_id": 41, "callback_query": {**press, "id": 77}},
        {"update_id": 41, "callback_query": {"id": "77", "data": "export:7"}},
        {"update_id": 41, "callback_query": {**press, "message": {"chat": PRIVATE}}},
    ):
        assert not readable(broken), broken


def test_a_button_under_a_message_the_bot_cannot_see_has_no_message() -> None:
    gone = {"message_id": 1, "date": 0, "chat": PRIVATE}
    seen = {"message_id": 1, "date": 1_700_000_000, "chat": PRIVATE}
    press = {"id": "77", "from": USER, "data": "export:7"}
    assert message_of({"update_id": 1, "callback_query": {**press, "message": gone}}) is None
    assert message_of({"update_id": 1, "callback_query": {**press, "message": seen}}) == seen
