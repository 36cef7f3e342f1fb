"""Values the NemoVideo API hands back, already normalised (see `core.backend.nemo.shapes`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Literal

RenderPhase = Literal["pending", "processing", "completed", "failed"]


@dataclass(frozen=True)
class AnonymousToken:
    token: str = field(repr=False)
    user_id: str
    expires_at: datetime
    credits: int


@dataclass(frozen=True)
class NemoSession:
    task_id: str
    session_id: str
    user_id: str | None


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    file_type: str
    cdn_url: str
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None


@dataclass(frozen=True)
class Credits:
    available: int
    frozen: int
    total: int


@dataclass(frozen=True)
class SessionState:
    draft: dict[str, Any]
    video_infos: list[dict[str, Any]]
    canvas: dict[str, Any]


@dataclass(frozen=True)
class RenderStatus:
    render_id: str
    phase: RenderPhase
    progress: int
    output_url: str | None = None
    error: str | None = None


class EventKind(Enum):
    TEXT = "text"
    TOOL_CALL = "tool_call"
    TOOL_RESULT = "tool_result"
    HEARTBEAT = "heartbeat"


@dataclass(frozen=True)
class AgentEvent:
    """One thing the agent said on the SSE stream, whatever shape it came in."""

    kind: EventKind
    text: str = ""
    name: str = ""
