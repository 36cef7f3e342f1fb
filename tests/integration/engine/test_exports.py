"""Exports end to end over real HTTP, rendered by the real FFmpeg renderer."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from engine.probe import ffmpeg_binary, probe
from tests.fixtures.engine import EngineAdmin, EngineFactory
from tests.integration.engine.support import ATTRIBUTION, Caller


async def _explained(caller: Caller, *edits: str) -> tuple[str, dict[str, Any]]:
    """A session with a photo, the explainer built, `edits` applied; its id and draft."""
    sid, _ = await caller.photo_session()
    for text in ("explain", *edits):
        await caller.message(sid, text)
    return sid, (await caller.state(sid))["draft"]


async def _probe_bytes(content: bytes, tmp_path: Path) -> tuple[str | None, int, int]:
    path = tmp_path / "out.mp4"
    path.write_bytes(content)
    info = await probe(path, ffmpeg_binary())
    return info.video_codec, info.width, info.height


async def test_export_end_to_end(client: httpx.AsyncClient, caller: Caller, tmp_path: Path) -> None:
    sid, draft = await _explained(caller)

    submitted = await caller.submit(sid, draft, "render_e2e")
    assert submitted.json() == {
        "success": True,
        "data": {"id": "render_e2e", "status": "pending", "progress": 5},
    }
    statuses, final = await caller.poll_until_done("render_e2e")

    assert statuses[-2:] == ["processing", "completed"]
    data = final["data"]
    assert data["progress"] == 100
    assert data["completedAt"] >= data["createdAt"] > 0
    assert data["outputUrl"] == f"{str(client.base_url).rstrip('/')}/files/renders/render_e2e.mp4"
    from_url = await client.get(data["outputUrl"])
    fallback = await client.get("/api/render/proxy/render_e2e/download", headers=caller.headers)
    assert from_url.status_code == fallback.status_code == 200
    assert from_url.content == fallback.content
    assert await _probe_bytes(from_url.content, tmp_path) == ("h264", 1920, 1080)
    ranged = await client.get(data["outputUrl"], headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and ranged.content == from_url.content[:100]
    generated = (await caller.state(sid))["generated_media"]
    assert [item["url"] for item in generated] == [data["outputUrl"]]


async def test_seed_shape_and_a_vertical_canvas(make_engine: EngineFactory, tmp_path: Path) -> None:
    engine = make_engine(render_shape="seed")
    async with httpx.AsyncClient(base_url=engine.base_url, timeout=30) as client:
        caller = await Caller.anonymous(client)
        sid, draft = await _explained(caller, "make it 9:16")
        await caller.submit(sid, draft, "render_seed")

        statuses, final = await caller.poll_until_done("render_seed")

        assert statuses[-1] == "completed"
        assert final["success"] is True and "data" not in final
        assert final["progress"] == 100
        video = await client.get(final["output"]["url"])
        assert await _probe_bytes(video.content, tmp_path) == ("h264", 1080, 1920)


async def test_healthz_stays_quick_during_a_render_then_cancel(
    client: httpx.AsyncClient, caller: Caller, engine_admin: EngineAdmin
) -> None:
    sid, draft = await _explained(caller, "make it 60 seconds")
    await caller.submit(sid, draft, "render_long")
    deadline = time.monotonic() + 30
    while True:  # until FFmpeg itself reports progress: the encoder is running
        polled = await caller.get_json("/api/render/proxy/lambda/render_long")
        if polled["data"]["progress"] > 5:
            break
        assert polled["data"]["status"] in ("pending", "processing")
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)

    latencies = []
    for _ in range(10):
        started = time.monotonic()
        assert (await client.get("/healthz")).status_code == 200
        latencies.append(time.monotonic() - started)
    cancelled = await caller.post_json("/api/render/proxy/lambda/render_long/cancel", {})
    polled = await caller.get_json("/api/render/proxy/lambda/render_long")

    assert max(latencies) < 0.5, latencies
    assert cancelled["data"]["status"] == polled["data"]["status"] == "failed"
    assert polled["data"]["error"] == "cancelled" and polled["data"]["outputUrl"] is None
    assert (await client.get("/files/renders/render_long.mp4")).status_code == 404
    again = await caller.post_json("/api/render/proxy/lambda/render_long/cancel", {})
    assert again["success"] is False
    assert (await caller.submit(sid, draft)).json()["success"] is True  # the session is free
    assert (await engine_admin.stats()).events["renders_started"] >= 1


async def test_export_refusals(client: httpx.AsyncClient, caller: Caller) -> None:
    sid, draft = await _explained(caller)
    bare = {"Authorization": f"Bearer {caller.token}"}
    payload = {"id": "render_x", "sessionId": sid, "draft": draft, "output": {"format": "mp4"}}

    no_attribution = await client.post("/api/render/proxy/lambda", json=payload, headers=bare)
    assert no_attribution.status_code == 402
    assert "X-Skill".lower() in no_attribution.json()["error"]

    empty = await caller.submit(sid, {"t": [], "d": 0, "m": {}})
    assert empty.status_code == 400 and empty.json()["success"] is False
    assert "empty" in empty.json()["error"]

    first = await caller.submit(sid, draft, "render_dup")
    busy = await caller.submit(sid, draft, "render_other")
    assert first.json()["success"] is True
    assert busy.status_code == 409 and "in progress" in busy.json()["error"]
    await caller.poll_until_done("render_dup")
    duplicate = await caller.submit(sid, draft, "render_dup")
    assert duplicate.status_code == 409 and duplicate.json()["error"] == "duplicate id"

    unknown = await caller.get_json("/api/render/proxy/lambda/render_nope")
    assert unknown["success"] is False
    stranger = await Caller.anonymous(client)
    assert (await stranger.get_json("/api/render/proxy/lambda/render_dup"))["success"] is False
    foreign = await client.post(
        "/api/render/proxy/lambda", json=payload, headers={**stranger.headers, **ATTRIBUTION}
    )
    assert foreign.json() == {"success": False, "error": "session not found", "code": 1002}


async def test_media_that_is_not_ours_fails_the_render(caller: Caller) -> None:
    sid, draft = await _explained(caller)
    draft["t"][0]["sg"][0]["src"] = "https://example.invalid/photo.png"

    await caller.submit(sid, draft, "render_foreign")
    statuses, final = await caller.poll_until_done("render_foreign")

    assert statuses[-1] == "failed"
    assert "not a file stored by this engine" in final["data"]["error"]


async def test_download_before_completion_is_refused(caller: Caller) -> None:
    sid, draft = await _explained(caller, "make it 30 seconds")
    await caller.submit(sid, draft, "render_early")

    early = await caller.client.get(
        "/api/render/proxy/render_early/download", headers=caller.headers
    )

    assert early.status_code == 409 and early.json()["success"] is False
    await caller.post_json("/api/render/proxy/lambda/render_early/cancel", {})
