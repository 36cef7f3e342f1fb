"""The NemoVideo API client: HTTP calls, response shapes and the SSE stream."""

from core.nemo.client import Attribution, NemoClient
from core.nemo.models import (
    AgentEvent,
    AnonymousToken,
    Credits,
    NemoSession,
    RenderStatus,
    SessionState,
    UploadedFile,
)

__all__ = [
    "AgentEvent",
    "AnonymousToken",
    "Attribution",
    "Credits",
    "NemoClient",
    "NemoSession",
    "RenderStatus",
    "SessionState",
    "UploadedFile",
]
