"""A small ASGI app served by uvicorn inside the running event loop (webhooks, health).

Both of our HTTP ports face clients we do not control, so each connection is bounded:

- a connection must deliver a whole request (headers and body) within `timeout_s` of opening,
  or of its previous response; idle, slow or half-sent ones are closed. uvicorn alone times
  out only an idle keep-alive connection, and forgets even that once a byte arrives.
- at most `max_connections` are open at once; one more is closed as soon as it is accepted, so
  slow clients cannot use up the process's file descriptors (which Redis needs too). uvicorn's
  `limit_concurrency` alone answers 503 to requests but keeps every connection open; it stays
  on as the bound on requests in flight.

uvicorn's own loggers are left to the root logger (`log_config=None`), so their lines pass our
JSON formatter and secret redactor like every other line (`bots.logs.adopt_uvicorn_loggers`).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from dataclasses import dataclass
from typing import Any, cast

import h11
import uvicorn
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from bots.failures import port_error
from bots.logs import adopt_uvicorn_loggers

# Telegram, a kubelet probe or Prometheus sends its whole request at once: 10 s is generous.
TIMEOUT_S = 10
# Telegram opens up to 40 webhook connections unless told otherwise (setWebhook's
# max_connections, at most 100); probes and scrapes need a few.
MAX_CONNECTIONS = 128
BACKLOG = 2048
# h11 states in which the client still owes us (part of) a request.
_AWAITING_REQUEST = (h11.IDLE, h11.SEND_BODY)


class _Config(uvicorn.Config):
    """uvicorn's config, plus the cap on open connections that uvicorn lacks."""

    def __init__(self, app: ASGIApp, *, max_connections: int, **options: Any) -> None:
        super().__init__(app, **options)
        self.max_connections = max_connections


class _BoundedH11(H11Protocol):
    """uvicorn's h11 protocol with a request deadline (the config's `timeout_keep_alive`) and
    a cap on open connections."""

    _refused = False
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if len(self.connections) >= cast(_Config, self.config).max_connections:
            self._refused = True
            transport.close()
            return
        super().connection_made(transport)  # type: ignore[arg-type]
        self._await_request()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._refused:
            return  # uvicorn never saw this connection: nothing of its to clean up
        self._cancel_deadline()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._await_request()

    def _await_request(self) -> None:
        self._cancel_deadline()
        self._deadline = self.loop.call_later(self.timeout_keep_alive, self._on_deadline)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _on_deadline(self) -> None:
        self._deadline = None
        # A request that fully arrived is the app's to answer, however long it takes.
        if self.conn.their_state in _AWAITING_REQUEST and not self.transport.is_closing():
            self.transport.close()


def _quiet_on_disconnect(app: ASGIApp) -> ASGIApp:
    """A client dropped mid-body (by the deadline, or on its own) is routine, not an error:
    without this, uvicorn logs a traceback at ERROR for each one."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        with contextlib.suppress(ClientDisconnect):
            await app(scope, receive, send)

    return guarded


@dataclass
class Served:
    server: uvicorn.Server
    task: asyncio.Task[None]
    port: int

    async def stop(self) -> None:
        self.server.should_exit = True
        await self.task


async def serve(
    app: ASGIApp,
    host: str,
    port: int,
    *,
    timeout_s: int = TIMEOUT_S,
    max_connections: int = MAX_CONNECTIONS,
    setting: str = "the port",
) -> Served:
    """Bind and listen first (port 0 picks a free one, read back; clients may connect as soon
    as this returns), then serve until `stop()`. A port that cannot be had is an OperatorError
    naming `setting`, the setting that chose it."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        failure = port_error(exc, host, port, setting)
        if failure is None:
            raise
        raise failure from exc
    except BaseException:
        sock.close()
        raise
    config = _Config(
        _quiet_on_disconnect(app),
        max_connections=max_connections,
        http=_BoundedH11,
        timeout_keep_alive=timeout_s,
        # uvicorn counts the asking connection in: one more, so each allowed one is served.
        limit_concurrency=max_connections + 1,
        backlog=BACKLOG,
        # Levels and handlers are ours (bots.logs.configure): uvicorn must not set either.
        log_config=None,
        log_level=None,
        access_log=True,
    )
    adopt_uvicorn_loggers()  # again: an engine started in this process may have taken them
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    return Served(server, task, int(sock.getsockname()[1]))
