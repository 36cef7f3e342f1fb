"""Exports end to end over real HTTP, rendered by the real FFmpeg renderer."""

from __future__ import annotations

import asyncio
import secrets
import time
from pathlib import Path
from typing import Any

import httpx

from engine.render.probe import ffmpeg_binary, probe
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
    assert data["outputUrl"].startswith(f"{str(client.base_url).rstrip('/')}/files/renders/")
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


async def test_a_finished_file_is_served_only_under_the_name_the_engine_drew(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    sid, draft = await _explained(caller)
    await caller.submit(sid, draft, "render_named")
    _, final = await caller.poll_until_done("render_named")
    folder = f"{str(client.base_url).rstrip('/')}/files/renders/"
    url = final["data"]["outputUrl"]
    name = url.removeprefix(folder).removesuffix(".mp4")
    tampered = name[:-1] + ("A" if name[-1] != "A" else "B")

    assert url == f"{folder}{name}.mp4" and "render_named" not in name
    assert len(name) >= 43  # 256 bits drawn by the engine, in base64url
    assert (await client.get(url)).status_code == 200
    for guess in ("render_named", tampered, secrets.token_urlsafe(32)):
        assert (await client.get(f"/files/renders/{guess}.mp4")).status_code == 404
    assert (await caller.state(sid))["generated_media"][0]["url"] == url


async def test_a_day_long_draft_renders_no_longer_than_the_maximum(
    make_engine: EngineFactory, tmp_path: Path
) -> None:
    engine = make_engine(max_duration_s=5)
    day = 24 * 3600 * 1000
    async with httpx.AsyncClient(base_url=engine.base_url, timeout=30) as client:
        caller = await Caller.anonymous(client)
        sid, draft = await _explained(caller)
        draft["d"] = day
        for track in draft["t"]:
            for segment in track["sg"]:
                segment["d"] = day
        await caller.submit(sid, draft, "render_day")

        statuses, final = await caller.poll_until_done("render_day", deadline_s=60)
        video = await client.get(final["data"]["outputUrl"])

    assert statuses[-1] == "completed"
    path = tmp_path / "day.mp4"
    path.write_bytes(video.content)
    info = await probe(path, ffmpeg_binary())
    assert info.duration_s is not None and info.duration_s <= 5.2


async def test_a_draft_of_thousands_of_segments_is_refused_at_submit(
    caller: Caller, engine_admin: EngineAdmin
) -> None:
    sid, draft = await _explained(caller)
    text = next(track for track in draft["t"] if track["tt"] == 7)
    text["sg"] = [{"s": n, "d": 1000, "text": f"line {n}", "role": "caption"} for n in range(5000)]

    started = time.monotonic()
    refused = await caller.submit(sid, draft, "render_many")
    elapsed = time.monotonic() - started

    assert refused.status_code == 400
    body = refused.json()
    assert body["success"] is False and "at most 200 segments" in body["error"]
    assert elapsed < 2.0
    assert (await engine_admin.stats()).events.get("renders_started", 0) == 0
    assert (await caller.get_json("/api/render/proxy/lambda/render_many"))["success"] is False


async def test_files_an_earlier_engine_named_by_render_id_are_not_served(
    make_engine: EngineFactory, tmp_path: Path
) -> None:
    renders = tmp_path / "engine-0" / "files" / "renders"
    renders.mkdir(parents=True)
    (renders / "render_old.mp4").write_bytes(b"an earlier run's video")
    drawn = renders / f"{secrets.token_urlsafe(32)}.mp4"
    drawn.write_bytes(b"a video under a drawn name")

    engine = make_engine()
    async with httpx.AsyncClient(base_url=engine.base_url, timeout=30) as client:
        old = await client.get("/files/renders/render_old.mp4")
        kept = await client.get(f"/files/renders/{drawn.name}")

    assert old.status_code == 404 and not (renders / "render_old.mp4").exists()
    assert kept.status_code == 200
