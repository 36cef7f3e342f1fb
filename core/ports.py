"""The ports adapters fill: where attachments come from and where events go."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from core.events import Problem, Progress, Reply, Target, VideoReady
from core.messages import Attachment


class AttachmentSource(Protocol):
    """Opens a platform attachment as a byte stream (raises AttachmentUnavailable)."""

    def open(self, attachment: Attachment) -> AsyncIterator[bytes]: ...


class ChatSink(Protocol):
    """Delivers events to a chat. `progress` edits one message in place and returns its ref."""

    async def progress(
        self, target: Target, progress: Progress, message_ref: str | None
    ) -> str | None: ...

    async def reply(self, target: Target, reply: Reply) -> None: ...

    async def video(self, target: Target, video: VideoReady) -> None: ...

    async def problem(self, target: Target, problem: Problem) -> None: ...


@dataclass(frozen=True)
class PlatformPorts:
    """One platform's pair of ports, registered with the core under the platform's name."""

    source: AttachmentSource
    sink: ChatSink
