"""The two answer shapes of the API, and the one place engine errors become responses.

Most endpoints answer ``{"code": 0, "data": ...}`` or ``{"code": N, "msg": ...}``; the render
endpoints answer ``{"success": true, "data": ...}`` or ``{"success": false, "error": ...}``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from engine.errors import ApiError, EngineError, HttpRefusal, RenderRefused

Handler = Callable[[Request], Awaitable[Response]]
JSON_LIMIT = 4 * 1024 * 1024  # a 60 s draft is a few kB; this only stops abuse


class _Json(JSONResponse):
    """JSON with UTF-8 text as is (captions may be Chinese)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


def ok(data: Any) -> Response:
    return _Json({"code": 0, "data": data})


def render_ok(data: Any, status: int = 200) -> Response:
    return _Json({"success": True, "data": data}, status_code=status)


def refusal(error: EngineError) -> Response:
    """The ``code`` envelope answer to `error`."""
    if isinstance(error, ApiError):
        return _Json({"code": error.code, "msg": error.message})
    if isinstance(error, HttpRefusal):
        headers = {"Retry-After": str(error.retry_after)} if error.retry_after else None
        return _Json({"code": error.status, "msg": error.message}, error.status, headers)
    if isinstance(error, RenderRefused):
        return _render_refusal(error.status, error.message, error.code)
    return _Json({"code": 500, "msg": error.message}, 500)


def _render_refusal(status: int, message: str, code: int | None = None) -> Response:
    body: dict[str, Any] = {"success": False, "error": message}
    if code is not None:
        body["code"] = code
    return _Json(body, status)


def api(handler: Handler) -> Handler:
    """Answer the handler's engine errors in the ``code`` envelope."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except EngineError as error:
            return refusal(error)

    return wrapped


def render_api(handler: Handler) -> Handler:
    """Answer the handler's engine errors in the ``success`` shape of the render endpoints."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as error:
            return _render_refusal(200, error.message, error.code)
        except HttpRefusal as error:
            response = _render_refusal(error.status, error.message)
            if error.retry_after:
                response.headers["Retry-After"] = str(error.retry_after)
            return response
        except EngineError as error:
            return refusal(error)

    return wrapped


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or HTTP 400; read up to `JSON_LIMIT` bytes, never more."""
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > JSON_LIMIT:
            raise HttpRefusal(413, f"a JSON body may hold at most {JSON_LIMIT} bytes")
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise HttpRefusal(400, "the body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise HttpRefusal(400, "the body must be a JSON object")
    return body
