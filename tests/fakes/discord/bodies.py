"""Request bodies in and JSON answers out, the way Discord's API reads and writes them.

A message body is either JSON or ``multipart/form-data`` with a ``payload_json`` part and
``files[n]`` parts; answers carry ``Content-Type: application/json`` with no charset, because
discord.py only decodes JSON when the header is exactly that.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import BodyPartReader, web

from tests.fakes.discord.payloads import Json
from tests.fakes.discord.records import DiscordApiError, SentFile

FILE_PART = re.compile(r"files\[(\d+)\]")


def json_response(
    data: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    body = json.dumps(data).encode()
    return web.Response(body=body, status=status, headers=headers, content_type="application/json")


def no_content() -> web.Response:
    return web.Response(status=204)


def error_response(error: DiscordApiError) -> web.Response:
    return json_response(error.body(), status=error.status, headers=error.headers())


async def read_json(request: web.Request) -> Any:
    if not request.can_read_body:
        return {}
    try:
        return await request.json()
    except ValueError as exc:
        raise DiscordApiError(400, 50109, "The request body contains invalid JSON.") from exc


async def read_message_body(
    request: web.Request, *, upload_limit: int
) -> tuple[Json, list[SentFile]]:
    """The JSON payload and the uploaded files of a message request; 413 over `upload_limit`."""
    if request.content_type != "multipart/form-data":
        sent = await read_json(request)
        return (sent if isinstance(sent, dict) else {}), []
    payload: Json = {}
    files: list[SentFile] = []
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader):
            continue
        name = part.name or ""
        if name == "payload_json":
            payload = json.loads(await part.text())
        elif match := FILE_PART.fullmatch(name):
            data = bytes(await part.read(decode=False))
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            files.append(SentFile(int(match[1]), part.filename or name, content_type, data))
    # Read to the end before refusing, so the client sees the answer and not a reset.
    if any(len(f.data) > upload_limit for f in files):
        raise DiscordApiError(413, 40005, "Request entity too large")
    return payload, files
