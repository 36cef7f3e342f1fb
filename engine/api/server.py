"""Running the engine: `serve` for the CLI, `start_in_thread` for tests and the product's
``NEMO_API_BASE=local`` mode.

The server runs uvicorn's h11 protocol with one addition: each request's scope carries a hook
that drops its connection at once (`engine.faults.ABORT_EXTENSION`), which ASGI itself cannot
express and the ``reset`` fault needs.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
from types import TracebackType
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from engine.api.app import EngineApp, create_app
from engine.clock import Clock
from engine.faults import ABORT_EXTENSION
from engine.settings import EngineSettings

_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 30.0


class _AbortableH11(H11Protocol):
    """uvicorn's h11 protocol, adding a connection-abort hook to every request's scope."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        inner = self.app

        async def app(scope: Any, receive: Any, send: Any) -> None:
            scope.setdefault("extensions", {})[ABORT_EXTENSION] = transport.abort  # type: ignore[attr-defined]
            await inner(scope, receive, send)

        self.app = app


class _Server(uvicorn.Server):
    """uvicorn's server, telling another thread when it accepts connections."""

    def __init__(self, app: EngineApp, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self.app = app
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self.loop = asyncio.get_running_loop()
        await super().startup(sockets)
        self._ready.set()


def _config(app: EngineApp, settings: EngineSettings) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http=_AbortableH11,
        lifespan="on",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )


def serve(settings: EngineSettings) -> None:
    """Run the engine in the foreground until interrupted; its address goes to stdout first
    (port 0 picks a free port, and whoever started the engine reads it there)."""
    sock = _bound_socket(settings)
    with sock:
        listen_base = _base_url(sock)
        print(f"engine listening on {listen_base}", flush=True)
        if not settings.public_url and settings.host in ("0.0.0.0", "::", ""):  # noqa: S104
            print(
                f"engine: ENGINE_PUBLIC_URL is empty, so file URLs start {listen_base}; set it to"
                " the address clients reach this engine at",
                file=sys.stderr,
                flush=True,
            )
        app = create_app(settings, listen_base=listen_base)
        uvicorn.Server(_config(app, settings)).run(sockets=[sock])


def _bound_socket(settings: EngineSettings) -> socket.socket:
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose proto
    # says TCP, and without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((settings.host, settings.port))
    except BaseException:
        sock.close()
        raise
    return sock


def _base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class RunningEngine:
    """An engine serving from a daemon thread with its own event loop."""

    def __init__(self, server: _Server, sock: socket.socket, thread: threading.Thread):
        self._server = server
        self._socket = sock
        self._thread = thread
        self.base_url = _base_url(sock)

    def stop(self) -> None:
        """End open agent streams, shut uvicorn down, wait for the thread and the lifespan."""
        loop = self._server.loop
        if loop is not None and self._thread.is_alive():
            drained = asyncio.run_coroutine_threadsafe(self._server.app.drain(), loop)
            drained.result(_STOP_TIMEOUT_S)
        self._server.should_exit = True
        self._thread.join(_STOP_TIMEOUT_S)
        self._socket.close()

    def __enter__(self) -> RunningEngine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_in_thread(settings: EngineSettings, clock: Clock | None = None) -> RunningEngine:
    """Start serving on ``settings.host``/``settings.port`` (0 picks a free port); return once
    the server accepts connections."""
    sock = _bound_socket(settings)
    try:
        app = create_app(settings, clock, listen_base=_base_url(sock))
    except BaseException:
        sock.close()
        raise
    ready = threading.Event()
    server = _Server(app, _config(app, settings), ready)
    failure: list[BaseException] = []

    def main() -> None:
        try:
            asyncio.run(server.serve(sockets=[sock]))
        except BaseException as exc:  # reported to the starting thread
            failure.append(exc)
        finally:
            ready.set()

    thread = threading.Thread(target=main, name="clipbridge-engine", daemon=True)
    thread.start()
    if not ready.wait(_START_TIMEOUT_S) or failure or not server.started:
        server.should_exit = True
        thread.join(_STOP_TIMEOUT_S)
        sock.close()
        raise RuntimeError("the engine did not start") from (failure[0] if failure else None)
    return RunningEngine(server, sock, thread)
