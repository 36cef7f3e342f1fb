"""Our two HTTP ports (the health server and the Telegram webhook), served by
`bots.http_server.serve`, against clients that connect and then say little or nothing: real
sockets on loopback, the real apps behind them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bots.health import health_app, redis_check
from bots.http_server import MAX_CONNECTIONS, TIMEOUT_S, Served, serve
from bots.runtime import open_runtime
from bots.telegram.parse import JSON
from bots.telegram.webhook import SECRET_HEADER, webhook_app
from core.metrics import Metrics
from engine.api.server import RunningEngine
from tests.fixtures.core import settings_for
from tests.fixtures.engine import EngineFactory
from tests.fixtures.program_logs import program_logs

TELEGRAM_TOKEN = "7312345678:AAGx9vQ2mZk4Rt7LpWn3Hc8JdYs5Fb1Ue6o"
WEBHOOK_SECRET = "hook-secret-for-tests"
WEBHOOK_PATH = "/telegram/hook"

Start = Callable[..., Awaitable[Served]]


@dataclass
class Server:
    """One of our HTTP apps, ready to serve with the limits a test asks for."""

    start: Start
    # Headers of a request whose body is announced and never finished.
    half_sent_body: bytes


async def take(update: JSON) -> bool:
    return True


@pytest.fixture(params=["health", "webhook"])
async def server(
    request: pytest.FixtureRequest, redis_url: str, key_prefix: str, tmp_path: Path
) -> AsyncIterator[Server]:
    async with AsyncExitStack() as stack:
        if request.param == "health":
            engine: RunningEngine = request.getfixturevalue("engine")
            settings = settings_for(redis_url, key_prefix, engine.base_url, tmp_path)
            runtime = await stack.enter_async_context(open_runtime(settings, {}))
            app = health_app({"redis": redis_check(runtime.core)}, runtime.core)
            # Starlette answers 405 without reading the body; the rest is still owed.
            half_sent = b"POST /healthz HTTP/1.1\r\nHost: bot\r\nContent-Length: 500\r\n\r\n{"
        else:
            app = webhook_app(take, Metrics(), WEBHOOK_SECRET, WEBHOOK_PATH)
            half_sent = (
                f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: bot\r\n{SECRET_HEADER}: {WEBHOOK_SECRET}"
                "\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"
                '{"update_id": 1, '
            ).encode()

        async def start(
            timeout_s: int = TIMEOUT_S, max_connections: int = MAX_CONNECTIONS
        ) -> Served:
            served = await serve(
                app, "127.0.0.1", 0, timeout_s=timeout_s, max_connections=max_connections
            )
            stack.push_async_callback(served.stop)
            return served

        yield Server(start, half_sent)


@dataclass
class Client:
    """A raw connection to one of our servers."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    async def closed_by_server(self) -> None:
        """Returns once the server has closed the connection (whatever it answered first)."""
        await self.reader.read()

    async def get(self, path: str) -> int:
        """One GET on this kept-alive connection; its status code."""
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: bot\r\n\r\n".encode())
        await self.writer.drain()
        async with asyncio.timeout(10):
            head = (await self.reader.readuntil(b"\r\n\r\n")).decode()
            length = next(
                int(line.split(":", 1)[1])
                for line in head.split("\r\n")
                if line.lower().startswith("content-length:")
            )
            await self.reader.readexactly(length)
        return int(head.split(" ", 2)[1])


class Clients:
    """Opens connections and closes them all when the test ends."""

    def __init__(self) -> None:
        self._open: list[Client] = []

    async def connect(self, port: int, first_bytes: bytes = b"") -> Client:
        client = Client(*await asyncio.open_connection("127.0.0.1", port))
        self._open.append(client)
        if first_bytes:
            client.writer.write(first_bytes)
            await client.writer.drain()
        return client

    async def close(self) -> None:
        for client in self._open:
            client.writer.close()
            await client.writer.wait_closed()


@pytest.fixture
async def clients() -> AsyncIterator[Clients]:
    opened = Clients()
    yield opened
    await opened.close()


async def get_status(port: int, path: str) -> int:
    async with httpx.AsyncClient() as http:
        return (await http.get(f"http://127.0.0.1:{port}{path}", timeout=5)).status_code


async def test_idle_and_half_sent_connections_are_closed_within_the_timeout(
    server: Server, clients: Clients, caplog: pytest.LogCaptureFixture
) -> None:
    served = await server.start(timeout_s=1, max_connections=200)
    openers = [
        b"",  # connects and says nothing
        b"GET /healthz HTTP/1.1\r\nHost: bot\r\n",  # headers never finished
        server.half_sent_body,  # body never finished
    ]
    idle = [await clients.connect(served.port, openers[i % 3]) for i in range(150)]

    async with asyncio.timeout(10):  # the server's timeout is 1 s
        await asyncio.gather(*(client.closed_by_server() for client in idle))

    assert await get_status(served.port, "/healthz") == 200
    # Dropping a slow client is routine: no traceback, no error line for it.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_connections_over_the_limit_are_closed_at_once(
    server: Server, clients: Clients
) -> None:
    served = await server.start(timeout_s=60, max_connections=10)
    held = [await clients.connect(served.port) for _ in range(10)]
    for client in held:  # each is served, so each is surely counted
        assert await client.get("/healthz") == 200

    extra = [await clients.connect(served.port) for _ in range(5)]
    async with asyncio.timeout(10):  # far less than the server's 60 s timeout
        await asyncio.gather(*(client.closed_by_server() for client in extra))

    for client in held:  # the connections within the limit are still served
        assert await client.get("/healthz") == 200


async def test_uvicorn_logs_a_token_in_the_webhook_path_as_json_and_redacted(
    clients: Clients, make_engine: EngineFactory
) -> None:
    # Operators often put the bot token in the webhook's path.
    token_path = f"/telegram/bot{TELEGRAM_TOKEN}"
    app = webhook_app(take, Metrics(), WEBHOOK_SECRET, token_path)
    with program_logs("DEBUG") as logs:
        # As in `clipbridge run` with the local engine: its uvicorn starts after logging is
        # set up, with uvicorn's own logging config.
        make_engine()
        served = await serve(app, "127.0.0.1", 0)
        try:
            async with httpx.AsyncClient() as http:
                refused = await http.post(f"http://127.0.0.1:{served.port}{token_path}", json={})
            garbage = await clients.connect(served.port, b"NOT HTTP AT ALL\r\n\r\n")
            await garbage.closed_by_server()
        finally:
            await served.stop()

    assert refused.status_code == 403
    assert TELEGRAM_TOKEN not in logs.text
    access = [e["message"] for e in logs.of("uvicorn.access")]
    assert any('"POST /telegram/[redacted] HTTP/1.1" 403' in line for line in access), logs.text
    warnings = [e["message"] for e in logs.of("uvicorn.error") if e["level"] == "warning"]
    assert "Invalid HTTP request received." in warnings, logs.text
