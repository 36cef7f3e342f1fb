"""A Telegram message as a core `Inbound`, and whether the bot was spoken to at all.

In a group the bot answers only to ``/command@thisbot``, a mention of it, a reply to one of its
messages, or a photo whose caption mentions it; everything else is ignored. PTB's CommandHandler
ignores captions, so commands are read here from the text or the caption alike.

Two Telegram quirks decide who speaks and what counts as a reply. A group's anonymous admin
posts as GroupAnonymousBot (a bot) with the group itself as `sender_chat`: that is an admin, not
a bot. In a forum topic the bot created, every message carries the topic's creation message as
`reply_to_message`, authored by the bot: that is not a reply to the bot.

Updates are read as the JSON they arrive in, not as PTB's objects: building those costs more
than everything else the ingress does before its acknowledgement, and routing reads a handful of
fields.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from core.messages import Attachment, ChatRef, Inbound, Sender

PLATFORM = "telegram"
GROUP_TYPES = ("group", "supergroup")

JSON = dict[str, Any]  # an object of the Bot API, as it arrived


@dataclass(frozen=True)
class BotIdentity:
    id: int
    username: str


@dataclass(frozen=True)
class Limits:
    upload_bytes: int  # what the bot may send: 50 MB, or 2000 MB with a local Bot API server


def _is_message(message: Any) -> bool:
    chat = message.get("chat") if isinstance(message, dict) else None
    return (
        isinstance(chat, dict)
        and isinstance(chat.get("id"), int)
        and isinstance(chat.get("type"), str)
        and isinstance(message.get("message_id"), int)
    )


def readable(update: Any) -> bool:
    """Whether `update` is an update with what routing reads unchecked: its id; a message's
    id and chat; a button press's id, presser and message."""
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        return False
    if "message" in update and not _is_message(update["message"]):
        return False
    if "callback_query" in update:
        query = update["callback_query"]
        if not isinstance(query, dict) or not isinstance(query.get("id"), str):
            return False
        if not isinstance(query.get("from"), dict) or not isinstance(query["from"].get("id"), int):
            return False
        if "message" in query and not _is_message(query["message"]):
            return False
    return True


def message_of(update: JSON) -> JSON | None:
    """The message an update brings (the one a button is under, for a press), if any; a
    button under a message the bot can no longer see has a date of 0."""
    if "message" in update:
        message: JSON = update["message"]
        return message
    query = update.get("callback_query")
    if query is not None and query.get("message", {}).get("date"):
        pressed: JSON = query["message"]
        return pressed
    return None


def full_name(user: JSON) -> str:
    return " ".join(filter(None, (user.get("first_name"), user.get("last_name"))))


def is_group(message: JSON) -> bool:
    return message["chat"]["type"] in GROUP_TYPES


def _body(message: JSON) -> tuple[str, list[JSON]]:
    if "text" in message:
        return message["text"], message.get("entities", [])
    return message.get("caption", ""), message.get("caption_entities", [])


def _command(text: str, entities: list[JSON], bot: BotIdentity) -> tuple[str | None, bool, str]:
    """(command, addressed to this bot explicitly, the rest of the text).

    A command sits at offset 0 and is ASCII, so its UTF-16 length is its length in characters.
    """
    for entity in entities:
        if entity["type"] == "bot_command" and entity["offset"] == 0:
            word = text[: entity["length"]]
            name, _, target = word[1:].partition("@")
            if target and target.lower() != bot.username.lower():
                return None, False, text  # another bot's command
            return name.lower(), bool(target), text[entity["length"] :].strip()
    return None, False, text


def _mentions(text: str, entities: list[JSON], bot: BotIdentity) -> bool:
    """A mention of the bot in the text or caption (entity offsets count UTF-16 units)."""
    units = None
    for entity in entities:
        if entity["type"] == "text_mention" and entity.get("user", {}).get("id") == bot.id:
            return True
        if entity["type"] == "mention":
            units = units or text.encode("utf-16-le")
            start, end = 2 * entity["offset"], 2 * (entity["offset"] + entity["length"])
            if units[start:end].decode("utf-16-le").lower() == f"@{bot.username}".lower():
                return True
    return False


def _sender(message: JSON) -> Sender | None:
    """Who wrote: a person, or the group's anonymous admin; None for bots and for channels
    posting in the group (neither is someone addressing the bot)."""
    chat = message["chat"]
    sender_chat = message.get("sender_chat")
    if sender_chat is not None:
        if sender_chat["id"] != chat["id"]:
            return None  # a channel speaking in the group
        # Telegram hides which admin wrote; their custom title, if any, is all it tells.
        name = message.get("author_signature") or sender_chat.get("title") or ""
        return Sender(str(chat["id"]), name, is_admin=True)
    user = message.get("from")
    if user is None or user.get("is_bot"):
        return None
    return Sender(str(user["id"]), full_name(user))


def _replied_to_bot(message: JSON, bot: BotIdentity) -> bool:
    """A reply to one of the bot's own messages; a topic's creation message, which Telegram
    puts under every message of the topic, is not one."""
    quoted = message.get("reply_to_message")
    return bool(
        quoted
        and quoted.get("from", {}).get("id") == bot.id
        and "forum_topic_created" not in quoted
    )


def _attachments(message: JSON) -> tuple[Attachment, ...]:
    if message.get("photo"):
        largest = message["photo"][-1]
        name = f"photo_{largest['file_unique_id']}.jpg"
        return (
            Attachment(
                largest["file_id"],
                name,
                "image/jpeg",
                largest.get("file_size"),
                recompressed=True,
            ),
        )
    if "document" in message:
        doc = message["document"]
        name = doc.get("file_name") or f"file_{doc['file_unique_id']}"
        return (Attachment(doc["file_id"], name, doc.get("mime_type"), doc.get("file_size")),)
    if "video" in message:
        video = message["video"]
        name = video.get("file_name") or f"video_{video['file_unique_id']}.mp4"
        mime_type = video.get("mime_type") or "video/mp4"
        return (Attachment(video["file_id"], name, mime_type, video.get("file_size")),)
    return ()


def has_media(message: JSON) -> bool:
    return any(kind in message for kind in ("photo", "document", "video"))


def chat_of(message: JSON) -> ChatRef:
    thread = message.get("message_thread_id") if message.get("is_topic_message") else None
    return ChatRef(PLATFORM, str(message["chat"]["id"]), str(thread) if thread else None)


def settings_scope_of(chat: ChatRef) -> str | None:
    """Where a chat's settings and fair-use quotas live: a forum's topics share their group's
    (an admin's `/access` binds every topic), while each topic keeps its own conversation.
    None outside topics: the chat is its own scope."""
    return f"{chat.platform}:{chat.chat_id}" if chat.thread_id else None


def settings_key_of(chat: ChatRef) -> str:
    return settings_scope_of(chat) or chat.key


def inbound_from(
    update: JSON, bot: BotIdentity, limits: Limits, *, plain_photos: bool = False
) -> Inbound | None:
    """The core's message for `update`, or None when the bot was not spoken to (in a group
    that turned `plain_photos` on, a photo alone is speaking to it too)."""
    message = update.get("message")
    sender = _sender(message) if message is not None else None
    if message is None or sender is None:
        return None
    text, entities = _body(message)
    command, explicit, rest = _command(text, entities, bot)
    group = is_group(message)
    attachments = _attachments(message)
    addressed = explicit or _mentions(text, entities, bot) or _replied_to_bot(message, bot)
    if group and not addressed and not (plain_photos and attachments and not command):
        return None
    if not (rest.strip() or command or attachments):
        return None
    mention = re.compile(rf"@{re.escape(bot.username)}\b", re.IGNORECASE)
    cleaned = " ".join(mention.sub("", rest).split())
    chat = chat_of(message)
    return Inbound(
        message_id=str(update["update_id"]),
        chat=chat,
        sender=sender,
        text=cleaned,
        attachments=attachments,
        command=command,
        language=message.get("from", {}).get("language_code"),
        is_group=group,
        reply_ref=json.dumps({"reply_to": message["message_id"]}),
        upload_limit_bytes=limits.upload_bytes,
        settings_scope=settings_scope_of(chat),
    )
