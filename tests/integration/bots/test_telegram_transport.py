"""The Bot API's client (aiohttp under python-telegram-bot) when Telegram cannot be reached or
stops halfway: each failure is one of PTB's errors, and neither its text nor its traceback
carries the bot token that the request's URL holds."""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.ext import ExtBot

from bots.telegram.transport import AiohttpRequest
from tests.fixtures.ports import free_port

TOKEN = "7312345678:AAGx9vQ2mZk4Rt7LpWn3Hc8JdYs5Fb1Ue6o"

Answer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def server(answer: Answer) -> AsyncIterator[str]:
    """A TCP server on a free port that treats each connection with `answer`; its base URL."""
    listening = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    async with listening:
        yield f"http://127.0.0.1:{port}"


@asynccontextmanager
async def bot_at(base: str, *, read_timeout: float = 5) -> AsyncIterator[ExtBot[None]]:
    request = AiohttpRequest(read_timeout=read_timeout, connect_timeout=2)
    bot: ExtBot[None] = ExtBot(TOKEN, base_url=f"{base}/bot", request=request)
    await request.initialize()
    try:
        yield bot
    finally:
        await request.shutdown()


def shown(error: BaseException) -> str:
    """Everything a log line with the traceback would print."""
    return "".join(traceback.format_exception(error))


async def never_answers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        await reader.read(65536)
        await asyncio.Event().wait()
    finally:
        writer.close()


async def hangs_up_halfway(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(65536)
    writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{"ok": tr')
    await writer.drain()
    writer.close()


async def test_nothing_listening_is_a_network_error_naming_the_host_not_the_token() -> None:
    async with bot_at(f"http://127.0.0.1:{free_port()}") as bot:
        with pytest.raises(NetworkError) as raised:
            await bot.send_message(5, "hello")
    assert "127.0.0.1" in str(raised.value)
    assert TOKEN not in shown(raised.value)
    assert TOKEN.split(":")[1] not in shown(raised.value)


async def test_a_base_url_aiohttp_refuses_is_a_network_error_without_the_token() -> None:
    """aiohttp's own error for a URL it cannot use is the URL itself, token and all."""
    async with bot_at("http://127.0.0.1:99999") as bot:  # TELEGRAM_API_BASE with a typo
        with pytest.raises(NetworkError) as raised:
            await bot.send_message(5, "hello")
    assert TOKEN not in shown(raised.value)
    assert TOKEN.split(":")[1] not in shown(raised.value)


async def test_a_server_that_never_answers_times_out() -> None:
    async with server(never_answers) as base, bot_at(base, read_timeout=0.5) as bot:
        with pytest.raises(TimedOut) as raised:
            await bot.send_message(5, "hello")
    assert TOKEN not in shown(raised.value)


async def test_an_answer_cut_off_halfway_is_a_network_error_without_the_token() -> None:
    async with server(hangs_up_halfway) as base, bot_at(base) as bot:
        with pytest.raises(NetworkError) as raised:
            await bot.send_message(5, "hello")
    assert not isinstance(raised.value, TimedOut)
    assert TOKEN not in shown(raised.value)
