"""Telegram's webhook: an update is answered 200 only once it is recorded.

Telegram delivers an update again until its POST is answered 2xx, so the answer waits for the
ingress: 200 when the update is recorded (or needs nothing), 503 when recording failed for now
(Redis refusing writes, the network), so that Telegram tries again. A body that cannot be an
update (not JSON, not an object, a required field missing) is answered 200, since no retry can
mend it: it is logged in one line without its content, and counted. A body over
`MAX_BODY_BYTES` is refused with 413 as soon as that is known, without reading the rest.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.telegram.parse import JSON, PLATFORM, readable
from core.metrics import Metrics

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
# An update is a few KB (a message's text is at most 4096 characters); nothing Telegram sends
# comes near this.
MAX_BODY_BYTES = 1 << 20

Take = Callable[[JSON], Awaitable[bool]]


def webhook_app(take: Take, metrics: Metrics, secret: str, path: str) -> Starlette:
    """The webhook at `path` (and /healthz): `take` records an update, True once it is safe."""

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        body = await read_capped(request, MAX_BODY_BYTES)
        if body is None:
            return Response(status_code=413)
        update = read_update(body)
        if update is None:
            metrics.unreadable_updates.labels(PLATFORM).inc()
            return Response(status_code=200)
        return Response(status_code=200 if await take(update) else 503)

    async def healthz(request: Request) -> Response:
        return Response("ok")

    return Starlette(routes=[Route(path, receive, methods=["POST"]), Route("/healthz", healthz)])


async def read_capped(request: Request, limit: int) -> bytes | None:
    """The body, or None once it is known to exceed `limit` bytes (by its Content-Length, or
    while it streams in), without waiting for the rest."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def read_update(body: bytes) -> JSON | None:
    """The update in `body`, or None (logged) when there is none to be read."""
    try:
        update: Any = json.loads(body)
        if not readable(update):
            raise ValueError("not an update object")
    except ValueError as exc:  # JSON's errors (and UnicodeDecodeError) are ValueErrors
        # The body is the sender's text: only its size and what was wrong with it are logged.
        log.warning(
            "unreadable webhook update dropped",
            extra={"bytes": len(body), "error": type(exc).__name__},
        )
        return None
    readable_update: JSON = update
    return readable_update
