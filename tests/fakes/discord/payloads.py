"""Discord JSON shapes the fake hands to discord.py: users, guilds, channels, members, messages.

Every builder returns a plain ``dict`` in the v10 wire format (snowflakes as strings), with the
fields discord.py reads by index filled in, so its parsers never meet a ``KeyError``.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
MEMBER_PERMISSIONS = (
    VIEW_CHANNEL | SEND_MESSAGES | ATTACH_FILES | READ_MESSAGE_HISTORY | USE_APPLICATION_COMMANDS
)
BOT_PERMISSIONS = MEMBER_PERMISSIONS | EMBED_LINKS | SEND_MESSAGES_IN_THREADS

# Channel types.
GUILD_TEXT = 0
DM = 1
GROUP_DM = 3
PUBLIC_THREAD = 11

# Message flags.
EPHEMERAL = 1 << 6
LOADING = 1 << 7


class Snowflakes:
    """Unique, time-ordered snowflake ids, so discord.py's ``created_at`` reads the real time."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> str:
        now_ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        self._last = max(self._last + 1, now_ms << 22)
        return str(self._last)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def bot_token(user_id: str) -> str:
    """A token shaped like Discord's: base64 of the user id, a timestamp part and an HMAC part."""
    head = base64.urlsafe_b64encode(user_id.encode()).decode().rstrip("=")
    return f"{head}.{secrets.token_urlsafe(4)}.{secrets.token_urlsafe(28)}"


def interaction_token(interaction_id: str) -> str:
    raw = f"interaction:{interaction_id}:{secrets.token_urlsafe(96)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def user_payload(user_id: str, name: str, *, bot: bool = False) -> Json:
    return {
        "id": user_id,
        "username": name,
        "global_name": None if bot else name.title(),
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
    }


def role_payload(role_id: str, name: str, permissions: int, *, bot_id: str | None = None) -> Json:
    role: Json = {
        "id": role_id,
        "name": name,
        "permissions": str(permissions),
        "position": 0 if name == "@everyone" else 1,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "managed": bot_id is not None,
        "mentionable": False,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }
    if bot_id is not None:
        role["tags"] = {"bot_id": bot_id}
    return role


def text_channel_payload(channel_id: str, guild_id: str, name: str, position: int) -> Json:
    return {
        "id": channel_id,
        "type": GUILD_TEXT,
        "guild_id": guild_id,
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "parent_id": None,
        "topic": None,
        "nsfw": False,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def thread_payload(thread_id: str, parent: Json, name: str, owner_id: str) -> Json:
    return {
        "id": thread_id,
        "type": PUBLIC_THREAD,
        "guild_id": parent["guild_id"],
        "parent_id": parent["id"],
        "owner_id": owner_id,
        "name": name,
        "last_message_id": None,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "rate_limit_per_user": 0,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": now_iso(),
            "locked": False,
            "invitable": True,
        },
    }


def dm_channel_payload(channel_id: str, recipient: Json) -> Json:
    return {"id": channel_id, "type": DM, "recipients": [recipient], "last_message_id": None}


def group_dm_payload(channel_id: str, name: str, recipients: list[Json]) -> Json:
    return {
        "id": channel_id,
        "type": GROUP_DM,
        "name": name,
        "icon": None,
        "owner_id": recipients[0]["id"],
        "recipients": recipients,
        "last_message_id": None,
    }


def member_payload(user: Json, roles: Iterable[str]) -> Json:
    return {
        "user": user,
        "roles": list(roles),
        "nick": None,
        "avatar": None,
        "joined_at": now_iso(),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
    }


def attachment_payload(
    attachment_id: str, filename: str, size: int, content_type: str, url: str, proxy_url: str
) -> Json:
    return {
        "id": attachment_id,
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": proxy_url,
        "content_type": content_type,
    }


def message_payload(
    message_id: str,
    channel: Json,
    author: Json,
    fields: Json,
    attachments: list[Json],
    **extra: Any,
) -> Json:
    """A created message; `fields` is what the client sent (content, embeds, components, flags)."""
    message: Json = {
        "id": message_id,
        "type": 0,
        "channel_id": channel["id"],
        "author": author,
        "content": fields.get("content") or "",
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": bool(fields.get("tts", False)),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments,
        "embeds": fields.get("embeds") or [],
        "components": fields.get("components") or [],
        "flags": int(fields.get("flags") or 0),
        "pinned": False,
        **extra,
    }
    if "guild_id" in channel:
        message["guild_id"] = channel["guild_id"]
    if fields.get("message_reference"):
        message["message_reference"] = fields["message_reference"]
    if fields.get("nonce") is not None:
        message["nonce"] = fields["nonce"]
    return message


def error_body(code: int, message: str) -> Json:
    return {"message": message, "code": code}
