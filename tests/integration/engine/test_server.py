"""`start_in_thread`: a real server on a free port, stopped cleanly."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest

from engine.api.server import start_in_thread
from tests.fixtures.engine import engine_settings


async def test_start_on_port_zero_and_stop(tmp_path: Path) -> None:
    with start_in_thread(engine_settings(tmp_path / "data")) as running:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", running.base_url)
        assert not running.base_url.endswith(":0")
        async with httpx.AsyncClient(base_url=running.base_url) as client:
            assert (await client.get("/healthz")).json() == {"ok": True}

    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient(base_url=running.base_url) as client:
            await client.get("/healthz")
    assert (tmp_path / "data" / "files" / "uploads").is_dir()


async def test_stop_ends_open_streams_at_once(tmp_path: Path) -> None:
    """An SSE stream still open does not hold the shutdown for uvicorn's graceful timeout."""
    running = start_in_thread(engine_settings(tmp_path / "data", think_s=30, heartbeat_s=0.1))
    async with httpx.AsyncClient(base_url=running.base_url, timeout=30) as client:
        token = (
            await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c"})
        ).json()["data"]["token"]
        headers = {"Authorization": f"Bearer {token}"}
        sid = (
            await client.post(
                "/api/tasks/me/with-session/nemo_agent", json={"task_name": "p"}, headers=headers
            )
        ).json()["data"]["session_id"]
        payload = {"session_id": sid, "new_message": {"parts": [{"text": "hi"}]}}
        async with client.stream("POST", "/run_sse", json=payload, headers=headers) as stream:
            lines = stream.aiter_lines()
            assert (await anext(lines)).startswith(": keep-alive")
            started = time.monotonic()
            running.stop()
            stopping = time.monotonic() - started
            rest = [line async for line in lines]  # the stream has ended: this returns

    assert stopping < 2.0
    assert all(not line.startswith("data: {") or "heartbeat" in line for line in rest)
