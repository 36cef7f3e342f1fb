"""Clients of the running test engine (the `engine` fixture comes from tests.fixtures.engine)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from engine.api.server import RunningEngine
from tests.integration.engine.support import Caller


@pytest.fixture
async def client(engine: RunningEngine) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=engine.base_url, timeout=30) as http:
        yield http


@pytest.fixture
async def caller(client: httpx.AsyncClient) -> Caller:
    """A new anonymous user with a fresh token."""
    return await Caller.anonymous(client)
