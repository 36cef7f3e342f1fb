"""Every tolerance for the backend's response shapes, in one place.

The vendor's seed text and its API reference disagree on some shapes; both are real, so both are
accepted here, each with a test (tests/unit/core/test_shapes.py):
- result codes arrive in a JSON envelope ``{"code": N, "msg"|"message": ...}`` with any HTTP status,
  or as a plain HTTP status (400, 402, 403, 429);
- render endpoints answer ``{"success": bool, ...}``; a render's status sits in ``data`` with
  ``outputUrl`` (reference) or at the top level with ``output.url`` (seed); status words vary
  (pending/queued, processing/rendering, completed/done, failed/error);
- SSE ``data:`` is ``{"type": ...}`` (reference), agent-framework ``{"content": {"parts": [...]}}``,
  or plain text; an empty ``data:`` is a heartbeat.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from core.backend.nemo.models import AgentEvent, EventKind, RenderPhase, RenderStatus, UploadedFile
from core.errors import (
    BackendError,
    BackendUnavailable,
    ExportBlocked,
    FileTooLarge,
    MissingClientId,
    OutOfCredits,
    RateLimited,
    RenderFailed,
    ScopeMissing,
    SessionNotFound,
    TokenInvalid,
    UnsupportedFile,
)

_CODE_ERRORS: dict[int, type[BackendError]] = {
    1001: TokenInvalid,
    1002: SessionNotFound,
    2001: OutOfCredits,
    4001: UnsupportedFile,
    4002: FileTooLarge,
}
_SCOPES = ("read", "write", "upload", "render")
# A code sent as a string: ASCII digits only (int() also takes "٣" and refuses "²" and 5000 digits).
_INTEGER = re.compile(r"\s*-?[0-9]{1,9}\s*", re.ASCII)
_PHASES: dict[str, RenderPhase] = {
    "pending": "pending",
    "queued": "pending",
    "waiting": "pending",
    "submitted": "pending",
    "processing": "processing",
    "rendering": "processing",
    "running": "processing",
    "in_progress": "processing",
    "completed": "completed",
    "complete": "completed",
    "done": "completed",
    "success": "completed",
    "succeeded": "completed",
    "finished": "completed",
    "failed": "failed",
    "error": "failed",
    "cancelled": "failed",
    "canceled": "failed",
}


def decode_json(body: bytes, status: int) -> Any:
    """Parse a body as JSON; a body that is not JSON is the backend failing, not the user."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:  # nesting too deep for the parser is not JSON
        raise BackendUnavailable(
            f"the backend answered HTTP {status} with a body that is not JSON", status=status
        ) from exc


def _message(payload: Any) -> str:
    if isinstance(payload, Mapping):
        for key in ("msg", "message", "error"):
            value = payload.get(key)
            if isinstance(value, str) and value:
                return value[:300]
    return ""


def _code(payload: Any) -> int | None:
    if not isinstance(payload, Mapping):
        return None
    value = payload.get("code")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    return None


def retry_after_seconds(headers: Mapping[str, str], default: float) -> float:
    value = headers.get("retry-after", "")
    try:
        return max(0.0, min(float(value), 300.0))
    except ValueError:
        return default


def raise_for_result(
    status: int, payload: Any, headers: Mapping[str, str], *, rate_limit_wait_s: float = 30.0
) -> None:
    """Raise the typed error a response stands for; return when it is a success."""
    message = _message(payload)
    code = _code(payload)
    if code in _CODE_ERRORS:
        raise _CODE_ERRORS[code](message or f"code {code}", status=status)
    if status == 400:
        raise MissingClientId(message or "bad request (missing X-Client-Id)", status=status)
    if status == 401:
        raise TokenInvalid(message or "unauthorised", status=status)
    if status == 402:
        raise ExportBlocked(message or "the plan does not allow export", status=status)
    if status == 403:
        scope = next((s for s in _SCOPES if re.search(rf"\b{s}\b", message.lower())), None)
        raise ScopeMissing(message or "forbidden", scope=scope, status=status)
    if status == 429:
        raise RateLimited(
            message or "rate limited", retry_after_s=retry_after_seconds(headers, rate_limit_wait_s)
        )
    if status >= 500:
        raise BackendUnavailable(message or f"server error HTTP {status}", status=status)
    if code not in (None, 0):
        raise BackendError(message or f"unexpected result code {code}", status=status)
    if status >= 400 and not (isinstance(payload, Mapping) and payload.get("success") is False):
        raise BackendError(message or f"HTTP {status}", status=status)


def data_of(payload: Any) -> dict[str, Any]:
    """The ``data`` object of an envelope (or the payload itself when it has none)."""
    if isinstance(payload, Mapping):
        data = payload.get("data")
        if isinstance(data, Mapping):
            return dict(data)
        return dict(payload)
    raise BackendUnavailable("the backend answered with a body outside the contract")


def parse_expiry(value: Any, now: datetime) -> datetime:
    """An ISO time (with Z or offset) or epoch seconds/ms; seven days when missing or odd."""
    number = finite_number(value)
    if number is not None and number > 0:
        seconds = number / 1000 if number > 10**11 else number
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return now + timedelta(days=7)  # beyond what a datetime holds
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return now + timedelta(days=7)


def render_status(payload: Any, render_id: str) -> RenderStatus:
    """Read a render's status from either documented shape; a failure answer raises."""
    if not isinstance(payload, Mapping):
        raise BackendUnavailable("render status outside the contract")
    data = payload.get("data") if isinstance(payload.get("data"), Mapping) else {}
    assert isinstance(data, Mapping)
    word = str(data.get("status") or payload.get("status") or "").lower()
    if payload.get("success") is False and not word:
        raise RenderFailed(_message(payload) or "the render was refused")
    phase = _PHASES.get(word)
    if phase is None:
        raise BackendUnavailable(f"unknown render status {word[:40]!r}")
    output = data.get("output") or payload.get("output")
    url = (
        data.get("outputUrl")
        or data.get("output_url")
        or (output.get("url") if isinstance(output, Mapping) else None)
    )
    progress = finite_number(data.get("progress", payload.get("progress", 0)))
    return RenderStatus(
        render_id=str(data.get("id") or payload.get("id") or render_id),
        phase=phase,
        progress=int(max(0.0, min(progress, 100.0))) if progress is not None else 0,
        output_url=str(url) if url else None,
        error=_message(data) or _message(payload) or None,
    )


def uploaded_files(data: Mapping[str, Any]) -> list[UploadedFile]:
    files = data.get("files")
    if not isinstance(files, list):
        raise BackendUnavailable("upload answer without files")
    result = []
    for item in files:
        if not isinstance(item, Mapping) or not item.get("cdn_url"):
            continue
        result.append(
            UploadedFile(
                filename=str(item.get("filename") or ""),
                file_type=str(item.get("file_type") or ""),
                cdn_url=str(item["cdn_url"]),
                width=_int_or_none(item.get("width")),
                height=_int_or_none(item.get("height")),
                duration_s=finite_number(item.get("duration")),
            )
        )
    return result


def finite_number(value: Any) -> float | None:
    """A JSON number as a float; None for anything else, NaN, infinities and huge integers."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _int_or_none(value: Any) -> int | None:
    number = finite_number(value)
    return int(number) if number is not None else None


def whole_number(value: Any) -> int:
    """A count the backend reported; 0 for anything that is not a finite number."""
    return _int_or_none(value) or 0


def agent_events(data: str) -> list[AgentEvent]:
    """Turn one SSE ``data`` payload into agent events, whatever shape it came in."""
    if not data.strip():
        return [AgentEvent(EventKind.HEARTBEAT)]
    try:
        payload = json.loads(data)
    except (ValueError, RecursionError):
        # Broken JSON is a backend fault, never text for the user; anything else is plain text.
        return [] if _looks_like_json(data) else [AgentEvent(EventKind.TEXT, text=data)]
    if isinstance(payload, str):
        return [AgentEvent(EventKind.TEXT, text=payload)] if payload.strip() else []
    if not isinstance(payload, Mapping):
        return []
    kind = payload.get("type")
    if isinstance(kind, str):
        return _typed_event(kind, payload)
    content = payload.get("content")
    if isinstance(content, Mapping) and isinstance(content.get("parts"), list):
        return [event for part in content["parts"] for event in _part_event(part)]
    text = payload.get("text")
    return [AgentEvent(EventKind.TEXT, text=text)] if isinstance(text, str) and text else []


def _looks_like_json(data: str) -> bool:
    """Whether `data` opens an object or array once blanks and invisible marks (a BOM, a
    zero-width space, a direction mark) are skipped."""
    for char in data:
        if char.isspace() or unicodedata.category(char) == "Cf":
            continue
        return char in "{["
    return False


def _typed_event(kind: str, payload: Mapping[str, Any]) -> list[AgentEvent]:
    name = str(payload.get("name") or "")
    if kind == "text":
        content = payload.get("content", payload.get("text"))
        return [AgentEvent(EventKind.TEXT, text=content)] if isinstance(content, str) else []
    if kind == "tool_call":
        return [AgentEvent(EventKind.TOOL_CALL, name=name)]
    if kind == "tool_result":
        return [AgentEvent(EventKind.TOOL_RESULT, name=name)]
    if kind == "heartbeat":
        return [AgentEvent(EventKind.HEARTBEAT)]
    return []


def _part_event(part: Any) -> list[AgentEvent]:
    if not isinstance(part, Mapping):
        return []
    if isinstance(part.get("text"), str):
        return [AgentEvent(EventKind.TEXT, text=part["text"])]
    if isinstance(part.get("functionCall"), Mapping):
        return [AgentEvent(EventKind.TOOL_CALL, name=str(part["functionCall"].get("name", "")))]
    if isinstance(part.get("functionResponse"), Mapping):
        name = str(part["functionResponse"].get("name", ""))
        return [AgentEvent(EventKind.TOOL_RESULT, name=name)]
    return []
