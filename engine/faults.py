"""Fault injection for tests: arm the next N calls of an endpoint to fail in a chosen way, or
a share of them (`chance`) for load tests.

Every API route is wrapped in a `FaultGate`, which counts the call in `Stats` and, when a fault
is armed for it, either answers in the fault's place (result codes, HTTP statuses, ``reset``:
the handler never runs; ``lost``: a stream opens and drops, and the handler never runs, as when a
proxy loses the request) or lets the handler run and damages its answer on the way out
(``stall``, ``malformed``, ``cut_sse``: the work is done, the client just cannot see it).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Endpoint = Literal[
    "token",
    "session",
    "upload",
    "credits",
    "state",
    "sse",
    "render_submit",
    "render_poll",
    "render_cancel",
    "download",
    "files",
    "any",
]
Mode = Literal[
    "1001",
    "1002",
    "2001",
    "4001",
    "4002",
    "http_400",
    "http_402",
    "http_403",
    "http_404",
    "http_429",
    "http_500",
    "http_503",
    "cut_sse",
    "stall",
    "malformed",
    "reset",
    "lost",
]
ENDPOINTS: tuple[str, ...] = get_args(Endpoint)
MODES: tuple[str, ...] = get_args(Mode)
RENDER_ENDPOINTS = frozenset({"render_submit", "render_poll", "render_cancel", "download"})
ABORT_EXTENSION = "clipbridge.abort"  # set by engine.api.server: drops the connection at once
MALFORMED_BODY = b"<html><body>502 Bad Gateway</body></html>"
MALFORMED_EVENT = b'data: {"type": "text", "content": "unterminated\n\n'


@dataclass
class Fault:
    """One armed fault: the next `times` calls of `endpoint` fail with `mode`."""

    endpoint: str
    mode: str
    times: int = 1
    after_events: int = 0  # cut_sse, stall and malformed on a stream act after this many events
    stall_s: float = 5.0
    chance: float = 1.0  # the share of matching calls that fail, until `times` have

    def __post_init__(self) -> None:
        if self.endpoint not in ENDPOINTS or self.mode not in MODES:
            raise ValueError(f"endpoint must be one of {ENDPOINTS}, mode one of {MODES}")
        if self.times < 1 or self.after_events < 0 or self.stall_s < 0:
            raise ValueError("times must be >= 1, after_events and stall_s >= 0")
        if not 0.0 < self.chance <= 1.0:
            raise ValueError("chance must be in (0, 1]")


class FaultBoard:
    """The armed faults, consumed in the order they were armed.

    `revoke` makes an injected 1001 true: the token presented is dead from then on, as it
    would be on the cloud, so a client may (and must) get a new one.
    """

    def __init__(self, revoke: Callable[[str], None] | None = None, seed: int = 7) -> None:
        self._faults: list[Fault] = []
        self.revoke = revoke
        self._dice = random.Random(seed)  # the same seed draws the same failing calls

    def arm(self, fault: Fault) -> None:
        self._faults.append(fault)

    def clear(self) -> None:
        self._faults.clear()

    def take(self, endpoint: str) -> Fault | None:
        for fault in self._faults:
            if fault.endpoint in (endpoint, "any"):
                if fault.chance < 1.0 and self._dice.random() >= fault.chance:
                    continue
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
                return fault
        return None

    def armed(self) -> list[dict[str, Any]]:
        return [asdict(fault) for fault in self._faults]


class Stats:
    """Counters tests read through ``GET /_admin/stats``."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.events: Counter[str] = Counter()

    def call(self, endpoint: str) -> None:
        self.calls[endpoint] += 1

    def count(self, event: str, amount: int = 1) -> None:
        self.events[event] += amount

    def snapshot(self) -> dict[str, dict[str, int]]:
        return {"calls": dict(self.calls), "events": dict(self.events)}


class FaultGate:
    """ASGI wrapper of one endpoint: counts calls and applies armed faults."""

    def __init__(self, endpoint: str, app: ASGIApp, board: FaultBoard, stats: Stats) -> None:
        self.endpoint = endpoint
        self._app = app
        self._board = board
        self._stats = stats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        self._stats.call(self.endpoint)
        fault = self._board.take(self.endpoint)
        if fault is None:
            await self._app(scope, receive, send)
            return
        self._stats.count(f"fault_{fault.mode}")
        if fault.mode == "reset":
            await _reset(scope, receive, send)
        elif fault.mode == "lost":
            await _lost(scope, receive, send)
        elif fault.mode in ("stall", "malformed", "cut_sse"):
            tamper = _Tamper(fault, send)
            try:
                await self._app(scope, receive, tamper.send)
            except* _StreamCut:
                pass
        else:
            if fault.mode == "1001" and self._board.revoke is not None:
                self._board.revoke(_bearer(scope))
            await self._refuse(fault, send)

    async def _refuse(self, fault: Fault, send: Send) -> None:
        status, code = 200, None
        if fault.mode.startswith("http_"):
            status = int(fault.mode.removeprefix("http_"))
        else:
            code = int(fault.mode)
        message = f"injected fault: {fault.mode}"
        body: dict[str, Any]
        if self.endpoint in RENDER_ENDPOINTS:
            body = {"success": False, "error": message}
            if code is not None:
                body["code"] = code
        else:
            body = {"code": code if code is not None else status, "msg": message}
        headers = [(b"content-type", b"application/json")]
        if status == 429:
            headers.append((b"retry-after", b"30"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})


def _bearer(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            return bytes(value).decode("latin-1").partition(" ")[2].strip()
    return ""


class _StreamCut(Exception):
    """Raised through the handler once a cut stream has been closed."""


async def _reset(scope: Scope, receive: Receive, send: Send) -> None:
    abort = scope.get("extensions", {}).get(ABORT_EXTENSION)
    if abort is not None:
        abort()
        while (await receive())["type"] != "http.disconnect":
            pass
        return
    # Without engine.api.server's hook, the closest ASGI can do: a body that never completes.
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]}
    )
    await send({"type": "http.response.body", "body": b"{", "more_body": True})


async def _lost(scope: Scope, receive: Receive, send: Send) -> None:
    """A stream that opens, says nothing, and drops: the request went nowhere."""
    headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b": open\n\n", "more_body": True})
    await _reset(scope, receive, send)


class _Tamper:
    """A `send` that damages the response according to a stall/malformed/cut_sse fault."""

    def __init__(self, fault: Fault, send: Send) -> None:
        self._fault = fault
        self._send = send
        self._stream = False
        self._events = 0
        self._done = False  # the one-shot damage (stall, malformed event) has happened

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            await self._start(message)
        elif message["type"] != "http.response.body":
            await self._send(message)
        elif self._stream:
            await self._stream_body(message)
        else:
            await self._plain_body(message)

    async def _start(self, message: Message) -> None:
        headers = list(message.get("headers", []))
        self._stream = any(
            name.lower() == b"content-type" and value.startswith(b"text/event-stream")
            for name, value in headers
        )
        if self._fault.mode != "stall":
            headers = [
                (name, value) for name, value in headers if name.lower() != b"content-length"
            ]
        await self._send({**message, "headers": headers})

    async def _plain_body(self, message: Message) -> None:
        mode = self._fault.mode
        if mode == "stall" and not self._done:
            self._done = True
            await asyncio.sleep(self._fault.stall_s)
            await self._send(message)
        elif mode == "malformed":
            body = b"" if self._done else MALFORMED_BODY
            self._done = True
            await self._send({**message, "body": body})
        elif mode == "cut_sse":
            await self._cut()
        else:
            await self._send(message)

    async def _stream_body(self, message: Message) -> None:
        body: bytes = message.get("body", b"")
        blocks = [block + b"\n\n" for block in body.split(b"\n\n") if block]
        for block in blocks:
            if self._events >= self._fault.after_events and not self._done:
                await self._damage()
            await self._send({"type": "http.response.body", "body": block, "more_body": True})
            self._events += block.count(b"data:")
        if not message.get("more_body", False):
            if not self._done:
                await self._damage()
            await self._send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _damage(self) -> None:
        self._done = True
        if self._fault.mode == "stall":
            await asyncio.sleep(self._fault.stall_s)
        elif self._fault.mode == "malformed":
            await self._send(
                {"type": "http.response.body", "body": MALFORMED_EVENT, "more_body": True}
            )
        else:
            await self._cut()

    async def _cut(self) -> None:
        await self._send({"type": "http.response.body", "body": b"", "more_body": False})
        raise _StreamCut
