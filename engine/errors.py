"""The engine's one error hierarchy: every refusal it answers a client with.

Each error knows how it reaches the wire, so a handler raises and `engine.api.routes.envelope` turns
it into the documented body and status in one place::

    EngineError
    ├── ApiError          an envelope code: {"code": N, "msg": ...} with HTTP 200
    │                     (1001 token, 1002 session, 2001 credits, 4001 file type, 4002 size)
    ├── HttpRefusal       a plain HTTP status with {"code": status, "msg": ...}
    │                     (400 client id, 402 attribution, 403 scope, 404, 409, 429 Retry-After)
    └── RenderRefused     a render endpoint's {"success": false, "error": ...} with a status

The renderer's own `engine.render.renderer.RenderError` is caught by the render jobs and
becomes a failed job's ``error``, never an HTTP answer.
"""

from __future__ import annotations

ACCEPTED_FORMATS = "mp4 mov avi webm mkv jpg png gif webp mp3 wav m4a aac"


class EngineError(Exception):
    """Base of every refusal the engine answers with."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ApiError(EngineError):
    """A result code carried in the JSON envelope, with HTTP 200 as the cloud does."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class HttpRefusal(EngineError):
    """A plain HTTP status (400, 402, 403, 404, 409, 429)."""

    def __init__(self, status: int, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class RenderRefused(EngineError):
    """A render endpoint's refusal: ``{"success": false, "error": ...}``."""

    def __init__(self, status: int, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def token_invalid(message: str = "token expired or invalid") -> ApiError:
    return ApiError(1001, message)


def session_not_found(message: str = "session not found") -> ApiError:
    return ApiError(1002, message)


def out_of_credits(available: int) -> ApiError:
    return ApiError(2001, f"out of credits: {available} available")


def unsupported_file(reason: str) -> ApiError:
    return ApiError(4001, f"{reason}; accepted formats: {ACCEPTED_FORMATS}")


def file_too_large(limit_mb: int) -> ApiError:
    return ApiError(4002, f"file too large: the limit is {limit_mb} MB")


def rate_limited(message: str) -> HttpRefusal:
    return HttpRefusal(429, message, retry_after=30)


URL_UPLOAD_OFF = "uploading from a URL is turned off on this engine: send the file itself"
# One text for every URL that could not be fetched, whatever the reason (a closed port, a
# refused address, a redirect, an HTTP error, a timeout), so answers never map a network.
URL_FETCH_FAILED = (
    "could not fetch the URL: it must be a public http(s) address that answers with the file"
)


def url_upload_off() -> ApiError:
    return ApiError(4001, URL_UPLOAD_OFF)


def url_fetch_failed() -> ApiError:
    return ApiError(4001, URL_FETCH_FAILED)
