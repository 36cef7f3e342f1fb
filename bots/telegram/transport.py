"""The Bot API's HTTP client: python-telegram-bot's requests carried by aiohttp.

PTB's own transport (httpx) spends about a millisecond of CPU on each call, most of it in its
connection pool looking over every idle connection for every request; aiohttp makes the same
call in about a tenth of that. Every update costs the ingress two calls (its getUpdates share
and its acknowledgement) and a job a few dozen, so the Bot API's client is most of what the
adapter's CPU goes on.

The request's URL holds the bot token: no error raised here carries it (aiohttp's own can,
in their text), only what went wrong and with which host.
"""

from __future__ import annotations

import io
import ssl
from typing import Any

import aiohttp
import certifi
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

Timeout = float | None
_Default = type(BaseRequest.DEFAULT_NONE)  # what a call leaves to the request's defaults


class AiohttpRequest(BaseRequest):
    """One pool of at most `connections` connections to the Bot API; PTB's default timeouts
    for what a call leaves to them (`write_timeout` bounds sending a request's body)."""

    def __init__(
        self,
        *,
        connections: int = 32,
        read_timeout: Timeout = 5.0,
        write_timeout: Timeout = 5.0,
        connect_timeout: Timeout = 5.0,
        pool_timeout: Timeout = 1.0,
    ) -> None:
        self._connections = connections
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            tls = ssl.create_default_context(cafile=certifi.where())
            connector = aiohttp.TCPConnector(limit=self._connections, ssl=tls)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout)
        try:
            async with session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError:
            # aiohttp's timeouts are TimeoutErrors (the pool's, the connection's, a read's).
            raise TimedOut from None
        except aiohttp.ClientConnectorError as error:
            reason = error.os_error.strerror or type(error.os_error).__name__
            raise NetworkError(f"cannot connect to {error.host}:{error.port}: {reason}") from None
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}") from None

    def _timeout(self, read: Any, write: Any, connect: Any, pool: Any) -> aiohttp.ClientTimeout:
        read = self._read if isinstance(read, _Default) else read
        write = self._write if isinstance(write, _Default) else write
        connect = self._connect if isinstance(connect, _Default) else connect
        pool = self._pool if isinstance(pool, _Default) else pool
        # aiohttp has no timeout for sending alone: the whole exchange is bounded by the sum.
        parts = (read, write, connect, pool)
        total = None if None in parts else sum(parts)
        waiting = None if connect is None or pool is None else connect + pool
        return aiohttp.ClientTimeout(
            total=total, connect=waiting, sock_connect=connect, sock_read=read
        )


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """The parameters as a form, as PTB sends them: URL-encoded, or multipart with files."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_parameters
    form = aiohttp.FormData(request_data.json_parameters)
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        # Bytes are streamed from a file object: aiohttp warns that a large body given as
        # bytes is written in one go, holding up the event loop.
        body = io.BytesIO(content) if isinstance(content, bytes) else content
        form.add_field(name, body, filename=filename, content_type=mime_type)
    return form
