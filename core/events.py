"""What the core tells a chat: progress, a reply, a video, or a problem, already in its language."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from core.messages import ChatRef, Sender


class Stage(StrEnum):
    QUEUED = "queued"
    PREPARING = "preparing"
    UPLOADING = "uploading"
    THINKING = "thinking"
    RENDERING = "rendering"
    DELIVERING = "delivering"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Action(StrEnum):
    """Follow-ups offered under a reply or a video; adapters draw them as buttons."""

    EXPORT = "export"
    REFINE = "refine"
    NEW = "new"


@dataclass(frozen=True)
class Button:
    action: Action
    label: str


@dataclass(frozen=True)
class Target:
    """Where events for one inbound message go, and who asked."""

    chat: ChatRef
    requester: Sender
    language: str
    is_group: bool = False
    reply_ref: str | None = None
    message_id: str = ""


@dataclass(frozen=True)
class Progress:
    stage: Stage
    text: str
    elapsed_s: float = 0.0
    queue_position: int | None = None
    percent: int | None = None
    # How long the work goes on in this process with nothing more to say: a platform's "working"
    # sign is kept up that long at most (0: the work leaves this process now). None: until the
    # work's next event. An export's step says when its next look is due, and that look may
    # run in another process.
    keep_s: float | None = None

    @property
    def finished(self) -> bool:
        return self.stage in (Stage.DONE, Stage.FAILED, Stage.CANCELLED)


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class VideoReady:
    """A finished video: a local file to upload, or only a link when no upload is possible."""

    caption: str
    path: Path | None
    url: str | None
    size_bytes: int
    width: int
    height: int
    duration_s: float
    buttons: tuple[Button, ...] = ()
    description: str = ""  # what it shows, for people who cannot see it (alt text)


@dataclass(frozen=True)
class Problem:
    code: str
    text: str


Event = Progress | Reply | VideoReady | Problem
