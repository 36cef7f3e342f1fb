"""Uploads over real HTTP: judged by content, capped in size, stored only inside the data dir."""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from engine.api.server import RunningEngine
from tests.fixtures.engine import EngineFactory
from tests.integration.engine.support import Caller, bomb_png, mp4_file, png_bytes, wav_bytes

MB = 1024 * 1024
FORMATS_HINT = "mp4 mov avi webm mkv jpg png gif webp mp3 wav m4a aac"


async def _healthy(client: httpx.AsyncClient, caller: Caller) -> None:
    """The engine still answers, and still takes a normal upload."""
    assert (await client.get("/healthz")).json() == {"ok": True}
    sid = await caller.session()
    assert (await caller.upload(sid, ("ok.png", png_bytes()))).json()["code"] == 0


async def test_photo_upload_answers_every_documented_field(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    sid = await caller.session()
    content = png_bytes(800, 600)

    body = (await caller.upload(sid, ("photo.png", content))).json()

    assert body["code"] == 0 and body["data"]["session_state_applied"] is True
    [stored] = body["data"]["files"]
    assert stored["filename"] == "photo.png"
    assert stored["file_type"] == "image"
    assert (stored["width"], stored["height"]) == (800, 600)
    assert stored["hash"] == hashlib.sha256(content).hexdigest()
    served = await client.get(stored["cdn_url"])
    assert served.status_code == 200 and served.content == content


async def test_video_audio_and_several_files_in_one_request(caller: Caller, tmp_path: Path) -> None:
    sid = await caller.session()
    clip = mp4_file(tmp_path / "clip.mp4", seconds=1.0)

    body = (
        await caller.upload(sid, ("clip.mp4", clip.read_bytes()), ("tone.wav", wav_bytes(1.5)))
    ).json()

    video, audio = body["data"]["files"]
    assert video["file_type"] == "video"
    assert (video["width"], video["height"], video["fps"]) == (320, 240, 10)
    assert video["duration"] == pytest.approx(1.0, abs=0.15)
    assert audio["file_type"] == "audio" and audio["duration"] == pytest.approx(1.5, abs=0.1)
    assert len((await caller.state(sid))["video_infos"]) == 2


async def test_png_named_mp4_is_accepted_as_an_image(caller: Caller) -> None:
    sid = await caller.session()

    body = (await caller.upload(sid, ("movie.mp4", png_bytes()))).json()

    assert body["code"] == 0
    assert body["data"]["files"][0]["file_type"] == "image"
    assert body["data"]["files"][0]["cdn_url"].endswith(".png")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.png", b"just some text, not a picture\n" * 10),
        ("empty.jpg", b""),
        ("fake.gif", b"GIF89a" + b"\x00" * 10),  # the right magic, but no picture behind it
        ("bomb.png", bomb_png()),
    ],
    ids=["text", "empty", "bad-gif", "bomb"],
)
async def test_unsupported_content_is_4001(
    client: httpx.AsyncClient, caller: Caller, name: str, content: bytes
) -> None:
    sid = await caller.session()

    body = (await caller.upload(sid, (name, content))).json()

    assert body["code"] == 4001
    assert FORMATS_HINT in body["msg"]
    assert (await caller.state(sid))["video_infos"] == []
    await _healthy(client, caller)


async def test_decompression_bomb_says_why(caller: Caller) -> None:
    sid = await caller.session()

    body = (await caller.upload(sid, ("bomb.png", bomb_png()))).json()

    assert "decompression bomb" in body["msg"]


async def test_one_bad_file_refuses_the_whole_request(
    caller: Caller, engine: RunningEngine
) -> None:
    sid = await caller.session()

    body = (await caller.upload(sid, ("a.png", png_bytes()), ("b.png", b"text"))).json()

    assert body["code"] == 4001
    assert (await caller.state(sid))["video_infos"] == []


async def test_300_mb_upload_is_4002_and_the_engine_stays_healthy(
    client: httpx.AsyncClient, caller: Caller, tmp_path: Path
) -> None:
    big = tmp_path / "big.mp4"
    with big.open("wb") as out:  # a sparse file: 300 MB on the wire, almost nothing on disk
        out.write(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")
        out.truncate(300 * MB)
    sid = await caller.session()

    started = time.monotonic()
    with big.open("rb") as handle:
        body = (await caller.upload(sid, ("big.mp4", handle))).json()
    elapsed = time.monotonic() - started

    assert body["code"] == 4002 and "200 MB" in body["msg"]
    assert elapsed < 30
    stored = sum(f.stat().st_size for f in (tmp_path / "engine-0").rglob("*") if f.is_file())
    assert stored < MB  # the 200 MB written before the cap was deleted
    await _healthy(client, caller)


async def _multipart_stream(total: int) -> AsyncIterator[bytes]:
    yield b'--b0undary\r\nContent-Disposition: form-data; name="files"; filename="x.mp4"\r\n\r\n'
    yield b"\x00\x00\x00\x18ftypisom"
    chunk = b"\x00" * 65536
    for _ in range(total // len(chunk)):
        yield chunk
    yield b"\r\n--b0undary--\r\n"


@pytest.mark.parametrize("declared", [True, False])
async def test_body_past_twice_the_cap_is_cut_off(
    make_engine: EngineFactory, declared: bool
) -> None:
    engine = make_engine(max_upload_mb=1)
    async with httpx.AsyncClient(base_url=engine.base_url, timeout=30) as client:
        caller = await Caller.anonymous(client)
        sid = await caller.session()
        headers = {**caller.headers, "Content-Type": "multipart/form-data; boundary=b0undary"}
        content: bytes | AsyncIterator[bytes]
        content = (
            b"".join([part async for part in _multipart_stream(4 * MB)])
            if declared
            else (_multipart_stream(4 * MB))
        )
        try:
            response = await client.post(
                f"/api/upload-video/nemo_agent/me/{sid}", content=content, headers=headers
            )
        except httpx.TransportError:
            pass  # the engine answered and closed mid-body (past 2x the cap): the reset may win
        else:
            assert response.json()["code"] == 4002
            assert response.headers["connection"] == "close"
        await _healthy(client, caller)


async def test_upload_just_over_the_cap_is_answered(make_engine: EngineFactory) -> None:
    engine = make_engine(max_upload_mb=1)
    async with httpx.AsyncClient(base_url=engine.base_url, timeout=30) as client:
        caller = await Caller.anonymous(client)
        sid = await caller.session()
        content = b"\x00\x00\x00\x18ftypisom" + b"\x00" * (MB + MB // 2)

        body = (await caller.upload(sid, ("x.mp4", content))).json()

        assert body["code"] == 4002


@pytest.mark.parametrize(
    "raw_name",
    ["../../../../escaped.png", "..\\..\\escaped.png", "/etc/escaped.png", "a\x01b\n.png"],
    ids=["dotdot", "backslash", "absolute", "control"],
)
async def test_path_traversal_names_are_only_display_names(
    caller: Caller, tmp_path: Path, raw_name: str
) -> None:
    sid = await caller.session()
    content = png_bytes(320, 200)
    before = set(tmp_path.parent.rglob("*"))  # every test's folder of this run

    body = (await caller.upload(sid, (raw_name, content))).json()

    assert body["code"] == 0
    name = body["data"]["files"][0]["filename"]
    assert "/" not in name and "\\" not in name and ".." not in name
    assert all(ord(char) >= 32 for char in name)
    created = set(tmp_path.parent.rglob("*")) - before
    uploads = (tmp_path / "engine-0" / "files" / "uploads" / sid).resolve()
    [stored] = [path for path in created if path.is_file()]
    assert stored.resolve().parent == uploads and stored.read_bytes() == content
    assert all(path.resolve().is_relative_to(uploads.parent) for path in created)
    assert not Path("/etc/escaped.png").exists()
