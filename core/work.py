"""A message's work record: how far its processing got, so any worker can resume it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from core.events import Target
from core.intents import Intent
from core.messages import Inbound


class Phase(StrEnum):
    """Where one item (an attachment, or the message itself) stands."""

    START = "start"
    UPLOADED = "uploaded"
    SENT = "sent"  # the SSE message went out; never send it again
    EDITED = "edited"
    RENDERING = "rendering"  # a render job owns the item now
    DELIVERED = "delivered"


@dataclass
class Work:
    inbound: Inbound
    intent: Intent
    item: int = 0
    phase: Phase = Phase.START
    render_id: str | None = None
    progress_ref: str | None = None
    language: str = "en"
    started_at: float = 0.0
    attempts: int = 0
    restarts: int = 0
    done: bool = False
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def message_id(self) -> str:
        return self.inbound.message_id

    @property
    def chat_key(self) -> str:
        return self.inbound.chat.key

    @property
    def items(self) -> int:
        return max(1, len(self.inbound.attachments))

    def target(self) -> Target:
        return Target(
            chat=self.inbound.chat,
            requester=self.inbound.sender,
            language=self.language,
            is_group=self.inbound.is_group,
            reply_ref=self.inbound.reply_ref,
            message_id=self.inbound.message_id,
        )

    def advance(self) -> None:
        """The current item is finished: move to the next one, or finish the message."""
        self.item += 1
        self.phase = Phase.START
        self.render_id = None
        if self.item >= self.items:
            self.done = True

    def to_json(self) -> str:
        data = {
            "inbound": self.inbound.to_dict(),
            "intent": self.intent.value,
            "item": self.item,
            "phase": self.phase.value,
            "render_id": self.render_id,
            "progress_ref": self.progress_ref,
            "language": self.language,
            "started_at": self.started_at,
            "attempts": self.attempts,
            "restarts": self.restarts,
            "done": self.done,
            "notes": self.notes,
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> Work:
        data: dict[str, Any] = json.loads(raw)
        return cls(
            inbound=Inbound.from_dict(data["inbound"]),
            intent=Intent(data["intent"]),
            item=int(data.get("item", 0)),
            phase=Phase(data.get("phase", Phase.START)),
            render_id=data.get("render_id"),
            progress_ref=data.get("progress_ref"),
            language=str(data.get("language") or "en"),
            started_at=float(data.get("started_at") or 0.0),
            attempts=int(data.get("attempts", 0)),
            restarts=int(data.get("restarts", 0)),
            done=bool(data.get("done")),
            notes={str(k): str(v) for k, v in (data.get("notes") or {}).items()},
        )
