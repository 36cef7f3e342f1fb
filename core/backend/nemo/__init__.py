"""The NemoVideo API client: HTTP calls, response shapes and the SSE stream."""

from core.backend.nemo.client import Attribution, NemoClient
from core.backend.nemo.models import (
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
