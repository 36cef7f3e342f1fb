"""What adapters hand the core: a platform-free inbound message and its parts."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ChatRef:
    """A conversation: a private chat, a group, a topic or thread inside one, a channel, a DM."""

    platform: str
    chat_id: str
    thread_id: str | None = None

    @property
    def key(self) -> str:
        base = f"{self.platform}:{self.chat_id}"
        return f"{base}:{self.thread_id}" if self.thread_id else base


@dataclass(frozen=True)
class Sender:
    id: str
    name: str = ""
    is_admin: bool = False


@dataclass(frozen=True)
class Attachment:
    """A file on the platform: `ref` is opaque to the core (a file id, a CDN URL, a path)."""

    ref: str = field(repr=False)
    filename: str
    mime: str | None = None
    size: int | None = None
    # The platform re-encoded the picture and dropped its metadata (a Telegram photo sent as a
    # photo, not as a file): a missing record says nothing about the original.
    recompressed: bool = False


@dataclass(frozen=True)
class Inbound:
    """One message from a chat, as the adapter understood it.

    `message_id` is the platform's update or interaction id: the core processes each once.
    `command` is set when the platform said it explicitly (a slash command, a button);
    otherwise the text is routed by `core.intents`. `reply_ref` and `progress_ref` are opaque
    handles the adapter needs to answer (an interaction token, an acknowledgement message).
    """

    message_id: str
    chat: ChatRef
    sender: Sender
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    command: str | None = None
    language: str | None = None
    is_group: bool = False
    reply_ref: str | None = field(default=None, repr=False)
    progress_ref: str | None = None
    upload_limit_bytes: int | None = None
    received_at: float = field(default_factory=time.time)
    # Where the chat's settings live when they are shared wider than the chat (a Discord guild).
    settings_scope: str | None = None

    @property
    def settings_key(self) -> str:
        return self.settings_scope or self.chat.key

    def to_dict(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "chat": {
                "platform": self.chat.platform,
                "chat_id": self.chat.chat_id,
                "thread_id": self.chat.thread_id,
            },
            "sender": {
                "id": self.sender.id,
                "name": self.sender.name,
                "is_admin": self.sender.is_admin,
            },
            "text": self.text,
            "attachments": [
                {"ref": a.ref, "filename": a.filename, "mime": a.mime, "size": a.size}
                | ({"recompressed": True} if a.recompressed else {})
                for a in self.attachments
            ],
            "command": self.command,
            "language": self.language,
            "is_group": self.is_group,
            "reply_ref": self.reply_ref,
            "progress_ref": self.progress_ref,
            "upload_limit_bytes": self.upload_limit_bytes,
            "received_at": self.received_at,
            "settings_scope": self.settings_scope,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Inbound:
        return cls(
            message_id=str(data["message_id"]),
            chat=ChatRef(**data["chat"]),
            sender=Sender(**data["sender"]),
            text=str(data.get("text") or ""),
            attachments=tuple(Attachment(**item) for item in data.get("attachments") or ()),
            command=data.get("command"),
            language=data.get("language"),
            is_group=bool(data.get("is_group")),
            reply_ref=data.get("reply_ref"),
            progress_ref=data.get("progress_ref"),
            upload_limit_bytes=data.get("upload_limit_bytes"),
            received_at=float(data.get("received_at") or time.time()),
            settings_scope=data.get("settings_scope"),
        )
