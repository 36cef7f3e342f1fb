"""The fake Bot API's wire format: request bodies in, ``{"ok": ...}`` envelopes out.

The official server accepts every method's parameters as a query string, a form-encoded body,
a JSON body or ``multipart/form-data``; python-telegram-bot sends form fields whose values are
JSON-encoded (``"true"``, ``"42"``, ``'{"inline_keyboard": ...}'``) and, with files,
multipart parts whose names are either the parameter itself or an ``attach://`` reference.
`read_request` turns all of them into one typed parameter dict and a files dict keyed by the
parameter the file belongs to.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from aiohttp import BodyPartReader, hdrs, web

# Fields whose form value is text even when it looks like JSON ("123", "true", "[x]").
TEXT_FIELDS = frozenset(
    {
        "text",
        "caption",
        "data",
        "url",
        "secret_token",
        "callback_query_id",
        "inline_message_id",
        "file_id",
        "action",
        "parse_mode",
        "language_code",
        "title",
        "name",
        "description",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
        "emoji",
        "video",
        "document",
        "photo",
        "thumbnail",
        "cover",
    }
)
_CHUNK = 256 * 1024


class Upload(NamedTuple):
    """One uploaded file part, read fully."""

    filename: str
    data: bytes
    content_type: str


@dataclass
class Call:
    """One Bot API request as the fake received it, and the HTTP status it answered."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes, str]]
    at: float = field(default_factory=time.monotonic)
    status: int = 200
    began: float = 0.0  # when its headers arrived, before the body was read (an upload's start)


class ApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def envelope(result: Any) -> web.Response:
    return json_response({"ok": True, "result": result})


def json_response(payload: dict[str, Any], status: int = 200) -> web.Response:
    # The official server answers plain `application/json`, without a charset.
    return web.Response(
        body=json.dumps(payload, ensure_ascii=False).encode(),
        status=status,
        content_type="application/json",
    )


def decode_form_value(name: str, value: str) -> Any:
    """A form field as the server types it: text fields stay text, others are JSON if they can."""
    if name in TEXT_FIELDS or value.startswith("attach://"):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


@dataclass
class RequestBody:
    """Parameters and files of one request; `too_large` when the uploads passed the limit."""

    params: dict[str, Any]
    files: dict[str, Upload]
    too_large: bool = False


async def read_request(request: web.Request, upload_limit: int) -> RequestBody:
    """Read a request whatever its encoding; raise ApiError 400 on a body that cannot be read."""
    body = RequestBody(
        params={k: decode_form_value(k, v) for k, v in request.query.items()}, files={}
    )
    if not request.body_exists:
        return body
    if request.content_type == "application/json":
        try:
            decoded = json.loads(await request.read() or b"{}")
        except ValueError as exc:
            raise bad_request("can't parse JSON encoded request") from exc
        if not isinstance(decoded, dict):
            raise bad_request("JSON object expected")
        body.params.update(decoded)
    elif request.content_type == "multipart/form-data":
        await _read_multipart(request, body, upload_limit)
    else:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str):
                body.params[key] = decode_form_value(key, value)
    _resolve_attachments(body)
    return body


async def _read_multipart(request: web.Request, body: RequestBody, upload_limit: int) -> None:
    reader = await request.multipart()
    uploaded = 0
    async for part in reader:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        # A part without a file name is a field when it is text: no Content-Type (text by
        # RFC 7578's default, as httpx sends fields) or text/plain (as aiohttp sends them).
        kind = part.headers.get(hdrs.CONTENT_TYPE, "text/plain").partition(";")[0].strip()
        if part.filename is None and kind == "text/plain":
            body.params[part.name] = decode_form_value(part.name, await part.text())
            continue
        chunks: list[bytes] = []
        # Read to the end even past the limit, so the client gets the 413 and not a reset.
        while chunk := await part.read_chunk(_CHUNK):
            uploaded += len(chunk)
            if uploaded > upload_limit:
                body.too_large = True
                chunks.clear()
            elif not body.too_large:
                chunks.append(chunk)
        if not body.too_large:
            content_type = part.headers.get(hdrs.CONTENT_TYPE, "application/octet-stream")
            filename = part.filename or part.name
            body.files[part.name] = Upload(filename, b"".join(chunks), content_type)
    if body.too_large:
        body.files.clear()


def _resolve_attachments(body: RequestBody) -> None:
    """Key files by the parameter that names them (``thumbnail=attach://x`` -> "thumbnail")."""
    for name, value in list(body.params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            part = value.removeprefix("attach://")
            if part in body.files:
                body.files[name] = body.files.pop(part)
                del body.params[name]
