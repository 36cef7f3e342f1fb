"""A Telegram message as a core `Inbound`, and whether the bot was spoken to at all.

In a group the bot answers only to ``/command@thisbot``, a mention of it, a reply to one of its
messages, or a photo whose caption mentions it; everything else is ignored. PTB's CommandHandler
ignores captions, so commands are read here from the text or the caption alike.

Two Telegram quirks decide who speaks and what counts as a reply. A group's anonymous admin
posts as GroupAnonymousBot (a bot) with the group itself as `sender_chat`: that is an admin, not
a bot. In a forum topic the bot created, every message carries the topic's creation message as
`reply_to_message`, authored by the bot: that is not a reply to the bot.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from telegram import Message, MessageEntity, Update

from core.messages import Attachment, ChatRef, Inbound, Sender

PLATFORM = "telegram"
GROUP_TYPES = ("group", "supergroup")


@dataclass(frozen=True)
class BotIdentity:
    id: int
    username: str


@dataclass(frozen=True)
class Limits:
    upload_bytes: int  # what the bot may send: 50 MB, or 2000 MB with a local Bot API server


def _body(message: Message) -> tuple[str, tuple[MessageEntity, ...]]:
    if message.text is not None:
        return message.text, message.entities
    return message.caption or "", message.caption_entities


def _command(
    text: str, entities: tuple[MessageEntity, ...], bot: BotIdentity
) -> tuple[str | None, bool, str]:
    """(command, addressed to this bot explicitly, the rest of the text).

    A command sits at offset 0 and is ASCII, so its UTF-16 length is its length in characters.
    """
    for entity in entities:
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            word = text[: entity.length]
            name, _, target = word[1:].partition("@")
            if target and target.lower() != bot.username.lower():
                return None, False, text  # another bot's command
            return name.lower(), bool(target), text[entity.length :].strip()
    return None, False, text


def _mentions(message: Message, bot: BotIdentity) -> bool:
    """A mention of the bot in the text or caption (entity offsets are UTF-16: PTB parses)."""
    kinds: list[str | None] = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    found = message.parse_entities(kinds) if message.text else message.parse_caption_entities(kinds)
    for entity, word in found.items():
        if entity.type == MessageEntity.MENTION and word.lower() == f"@{bot.username}".lower():
            return True
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot.id:
            return True
    return False


def _sender(message: Message) -> Sender | None:
    """Who wrote: a person, or the group's anonymous admin; None for bots and for channels
    posting in the group (neither is someone addressing the bot)."""
    if message.sender_chat is not None:
        if message.sender_chat.id != message.chat.id:
            return None  # a channel speaking in the group
        # Telegram hides which admin wrote; their custom title, if any, is all it tells.
        name = message.author_signature or message.sender_chat.title or ""
        return Sender(str(message.chat.id), name, is_admin=True)
    user = message.from_user
    if user is None or user.is_bot:
        return None
    return Sender(str(user.id), user.full_name)


def _replied_to_bot(message: Message, bot: BotIdentity) -> bool:
    """A reply to one of the bot's own messages; a topic's creation message, which Telegram
    puts under every message of the topic, is not one."""
    quoted = message.reply_to_message
    return bool(
        quoted
        and quoted.from_user
        and quoted.from_user.id == bot.id
        and quoted.forum_topic_created is None
    )


def _attachments(message: Message) -> tuple[Attachment, ...]:
    if message.photo:
        largest = message.photo[-1]
        name = f"photo_{largest.file_unique_id}.jpg"
        return (
            Attachment(largest.file_id, name, "image/jpeg", largest.file_size, recompressed=True),
        )
    if message.document:
        doc = message.document
        name = doc.file_name or f"file_{doc.file_unique_id}"
        return (Attachment(doc.file_id, name, doc.mime_type, doc.file_size),)
    if message.video:
        video = message.video
        name = video.file_name or f"video_{video.file_unique_id}.mp4"
        return (Attachment(video.file_id, name, video.mime_type or "video/mp4", video.file_size),)
    return ()


def chat_of(message: Message) -> ChatRef:
    thread = message.message_thread_id if message.is_topic_message else None
    return ChatRef(PLATFORM, str(message.chat_id), str(thread) if thread else None)


def settings_scope_of(chat: ChatRef) -> str | None:
    """Where a chat's settings and fair-use quotas live: a forum's topics share their group's
    (an admin's `/access` binds every topic), while each topic keeps its own conversation.
    None outside topics: the chat is its own scope."""
    return f"{chat.platform}:{chat.chat_id}" if chat.thread_id else None


def settings_key_of(chat: ChatRef) -> str:
    return settings_scope_of(chat) or chat.key


def inbound_from(
    update: Update, bot: BotIdentity, limits: Limits, *, plain_photos: bool = False
) -> Inbound | None:
    """The core's message for `update`, or None when the bot was not spoken to (in a group
    that turned `plain_photos` on, a photo alone is speaking to it too)."""
    message = update.effective_message
    sender = _sender(message) if message is not None else None
    if message is None or sender is None:
        return None
    text, entities = _body(message)
    command, explicit, rest = _command(text, entities, bot)
    is_group = message.chat.type in GROUP_TYPES
    attachments = _attachments(message)
    addressed = explicit or _mentions(message, bot) or _replied_to_bot(message, bot)
    if is_group and not addressed and not (plain_photos and attachments and not command):
        return None
    if not (rest.strip() or command or attachments):
        return None
    mention = re.compile(rf"@{re.escape(bot.username)}\b", re.IGNORECASE)
    cleaned = " ".join(mention.sub("", rest).split())
    chat = chat_of(message)
    return Inbound(
        message_id=str(update.update_id),
        chat=chat,
        sender=sender,
        text=cleaned,
        attachments=attachments,
        command=command,
        language=message.from_user.language_code if message.from_user else None,
        is_group=is_group,
        reply_ref=json.dumps({"reply_to": message.message_id}),
        upload_limit_bytes=limits.upload_bytes,
        settings_scope=settings_scope_of(chat),
    )
