"""clipbridge's one error hierarchy.

Foreign exceptions (httpx, JSON, redis) are re-raised as these at the boundary, with ``from exc``.
Errors carry data, never a token; user-facing words are chosen in one place
(`core.outbound.problems`).

    ClipbridgeError
    ├── BackendError                 the video backend refused or failed
    │   ├── BackendUnavailable       connection failure, timeout, 5xx, body that is not the contract
    │   │   └── StreamInterrupted    an SSE stream dropped before it closed cleanly
    │   ├── TokenInvalid             code 1001: renew the token, retry once
    │   ├── SessionNotFound          code 1002: new session, retry once
    │   ├── OutOfCredits             code 2001: registration link (anonymous) or top up
    │   ├── UnsupportedFile          code 4001: show the accepted formats
    │   ├── FileTooLarge             code 4002: suggest compressing or trimming
    │   ├── MissingClientId          HTTP 400: new client id, retry once
    │   ├── ExportBlocked            HTTP 402: the plan does not allow export
    │   ├── ScopeMissing             HTTP 403: the token lacks a scope; retrying cannot help
    │   ├── RateLimited              HTTP 429: wait, retry once
    │   │   └── AnonymousTokenRefused  no new anonymous token: the operator should set NEMO_TOKEN
    │   ├── RenderFailed             the render was rejected or failed
    │   └── NoAnswer                 a message's stream dropped and the state never changed
    ├── RenderTimedOut               the render did not finish before the deadline
    ├── AttachmentUnavailable        the chat platform cannot hand the file over
    ├── EmptyFile                    the attachment has no bytes
    ├── LimitReached                 a fair-use quota or budget is used up for now
    └── WorkCancelled                the user cancelled the chat's current work
"""

from __future__ import annotations


class ClipbridgeError(Exception):
    """Base of every error clipbridge raises on purpose."""

    code = "error"


class BackendError(ClipbridgeError):
    """The video backend refused the request or failed to answer it."""

    code = "backend"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class BackendUnavailable(BackendError):
    """Transport failure, timeout, server error or a body outside the contract: may pass.

    `sent` is False when the request provably never reached the backend (no connection), so
    even a call that must not run twice may be sent again."""

    code = "backend_unavailable"

    def __init__(self, message: str, *, status: int | None = None, sent: bool = True) -> None:
        super().__init__(message, status=status)
        self.sent = sent


class StreamInterrupted(BackendUnavailable):
    """An SSE stream dropped before it closed cleanly."""

    code = "stream_interrupted"


class TokenInvalid(BackendError):
    code = "1001"


class SessionNotFound(BackendError):
    code = "1002"


class OutOfCredits(BackendError):
    code = "2001"


class UnsupportedFile(BackendError):
    code = "4001"


class FileTooLarge(BackendError):
    code = "4002"


class MissingClientId(BackendError):
    code = "http_400"


class ExportBlocked(BackendError):
    code = "http_402"


class ScopeMissing(BackendError):
    code = "http_403"

    def __init__(self, message: str, *, scope: str | None = None, status: int | None = 403) -> None:
        super().__init__(message, status=status)
        self.scope = scope


class RateLimited(BackendError):
    code = "http_429"

    def __init__(
        self, message: str, *, retry_after_s: float = 30.0, status: int | None = 429
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after_s = retry_after_s


class AnonymousTokenRefused(RateLimited):
    """The backend will not mint another anonymous token (per client id or per IP)."""

    code = "anonymous_refused"


class RenderFailed(BackendError):
    code = "render_failed"


class NoAnswer(BackendError):
    """A message's stream dropped, and the session state never showed its result: whether the
    backend got it at all is unknown, and sending it again is the user's call."""

    code = "no_answer"


class RenderTimedOut(ClipbridgeError):
    code = "render_timeout"


class AttachmentUnavailable(ClipbridgeError):
    """The platform cannot hand the file over (too large for its API, deleted, expired)."""

    code = "attachment_unavailable"

    def __init__(self, message: str, *, size_bytes: int | None = None) -> None:
        super().__init__(message)
        self.size_bytes = size_bytes


class EmptyFile(ClipbridgeError):
    """The attachment has no bytes at all."""

    code = "empty_file"


class LimitReached(ClipbridgeError):
    """A fair-use quota or budget is used up for now."""

    code = "limit"

    def __init__(self, limit: str, *, allowed: int, retry_after_s: float) -> None:
        super().__init__(f"{limit} reached")
        self.limit = limit
        self.allowed = allowed
        self.retry_after_s = retry_after_s


class WorkCancelled(ClipbridgeError):
    code = "cancelled"
