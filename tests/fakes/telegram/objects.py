"""Telegram objects as the Bot API serialises them: users, chats, entities, chat members.

Plain dicts, because that is what travels on the wire and what python-telegram-bot's
``de_json`` reads; the helpers fill in the fields PTB requires so its objects build.
"""

from __future__ import annotations

import re
import secrets
import string
from typing import Any

JSON = dict[str, Any]

BOT_ID = 123456789
BOT_USERNAME = "clip_test_bot"
GROUP_ANONYMOUS_BOT_ID = 1087968824  # the sender Telegram shows for a group's anonymous admin
_TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_"
# A command anywhere a word starts, with an optional @botname; mentions of any username.
_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}\b")
_ADMIN_RIGHTS = """manage_chat delete_messages manage_video_chats restrict_members change_info
    invite_users post_stories edit_stories delete_stories pin_messages manage_topics"""
_RESTRICTED_RIGHTS = """change_info invite_users pin_messages send_messages send_polls
    send_other_messages add_web_page_previews manage_topics send_audios send_documents
    send_photos send_videos send_video_notes send_voice_notes"""
CHAT_MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")


def make_token(bot_id: int = BOT_ID) -> str:
    """A token shaped like BotFather's: the bot id, a colon, 35 url-safe characters."""
    return f"{bot_id}:AA" + "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(33))


def bot_user() -> JSON:
    return {"id": BOT_ID, "is_bot": True, "first_name": "Clip", "username": BOT_USERNAME}


def user(
    id: int, first_name: str, *, language_code: str = "en", username: str | None = None
) -> JSON:
    """A human Telegram user."""
    made: JSON = {"id": id, "is_bot": False, "first_name": first_name}
    if username is not None:
        made["username"] = username
    made["language_code"] = language_code
    return made


def group_anonymous_bot() -> JSON:
    """The `from` of a message an anonymous admin wrote; `sender_chat` is the group."""
    return {
        "id": GROUP_ANONYMOUS_BOT_ID,
        "is_bot": True,
        "first_name": "Group",
        "username": "GroupAnonymousBot",
    }


def private_chat(of: JSON) -> JSON:
    """The private chat between the bot and `of` (its id is the user's id)."""
    chat: JSON = {"id": of["id"], "type": "private", "first_name": of["first_name"]}
    if "username" in of:
        chat["username"] = of["username"]
    return chat


def group_chat(id: int, title: str, *, forum: bool = False) -> JSON:
    """A supergroup (ids look like -100...); `forum` turns on topics."""
    chat: JSON = {"id": id, "type": "supergroup", "title": title}
    if forum:
        chat["is_forum"] = True
    return chat


def utf16_len(text: str) -> int:
    """Entity offsets and lengths count UTF-16 code units, not code points."""
    return len(text.encode("utf-16-le")) // 2


def auto_entities(text: str) -> list[JSON]:
    """The bot_command and mention entities Telegram's clients attach to a typed text."""
    found: list[tuple[int, int, str]] = []
    found += [(m.start(), m.end(), "bot_command") for m in _COMMAND.finditer(text)]
    found += [(m.start(), m.end(), "mention") for m in _MENTION.finditer(text)]
    entities = []
    for start, end, kind in sorted(found):
        offset = utf16_len(text[:start])
        entities.append({"offset": offset, "length": utf16_len(text[start:end]), "type": kind})
    return entities


def chat_full_info(chat: JSON) -> JSON:
    """getChat's answer: the chat plus the fields PTB's ChatFullInfo requires."""
    gifts = {
        "unlimited_gifts": False,
        "limited_gifts": False,
        "unique_gifts": False,
        "premium_subscription": False,
        "gifts_from_channels": False,
    }
    return {**chat, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}


def chat_member(member: JSON, status: str) -> JSON:
    """A ChatMember of `status` with every field its PTB subclass requires."""
    if status not in CHAT_MEMBER_STATUSES:
        raise ValueError(f"unknown chat member status {status!r}")
    made: JSON = {"status": status, "user": member}
    if status == "creator":
        made["is_anonymous"] = False
    elif status == "administrator":
        rights = _ADMIN_RIGHTS.split()
        made.update({f"can_{right}": True for right in rights})
        made.update({"can_be_edited": False, "is_anonymous": False, "can_promote_members": False})
    elif status == "restricted":
        made.update({"is_member": True, "until_date": 0, "can_edit_tag": False})
        rights = _RESTRICTED_RIGHTS.split()
        made.update({f"can_{right}": False for right in rights})
    elif status == "kicked":
        made["until_date"] = 0
    return made


def new_file_ids(kind: str) -> tuple[str, str]:
    """A (file_id, file_unique_id) pair shaped like the real ones, prefixed by file kind."""
    prefix = {"photos": "AgACAgIAAxkBAA", "videos": "BAACAgIAAxkBAA"}.get(kind, "BQACAgIAAxkBAA")
    return prefix + secrets.token_urlsafe(42), "AQAD" + secrets.token_urlsafe(9)
