"""A small typed caller of the engine's API and the media samples the tests send it."""

from __future__ import annotations

import asyncio
import io
import json
import math
import struct
import subprocess
import time
import uuid
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from engine.render.probe import ffmpeg_binary

ATTRIBUTION = {
    "X-Skill-Source": "what-is-ai-image",
    "X-Skill-Version": "0.1.0",
    "X-Skill-Platform": "unknown",
}


def png_bytes(
    width: int = 640, height: int = 360, colour: tuple[int, int, int] = (20, 60, 200)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def wav_bytes(seconds: float = 1.0, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        samples = (
            int(8000 * math.sin(i * 440 * 2 * math.pi / rate)) for i in range(int(seconds * rate))
        )
        out.writeframes(b"".join(struct.pack("<h", sample) for sample in samples))
    return buffer.getvalue()


def mp4_file(path: Path, seconds: float = 1.0, size: str = "320x240") -> Path:
    """A real H.264 test clip made by FFmpeg."""
    subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         f"testsrc=size={size}:rate=10:duration={seconds}", "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )  # fmt: skip
    return path


def bomb_png() -> bytes:
    """A tiny PNG whose header claims 30000x30000 pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        import zlib

        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


@dataclass
class SseReply:
    """What one ``/run_sse`` stream carried."""

    lines: list[str]
    events: list[Any] = field(default_factory=list)  # decoded data payloads (None: not JSON)

    @property
    def texts(self) -> list[str]:
        return [event["content"] for event in self.events if _kind(event) == "text"]

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        return [event for event in self.events if _kind(event) == "tool_call"]

    @property
    def heartbeats(self) -> int:
        return sum(1 for event in self.events if _kind(event) == "heartbeat")

    @property
    def keep_alives(self) -> int:
        return sum(1 for line in self.lines if line.startswith(": keep-alive"))


def _kind(event: Any) -> str | None:
    return event.get("type") if isinstance(event, dict) else None


class Caller:
    """One anonymous user of the engine, with its token and the attribution headers."""

    def __init__(self, client: httpx.AsyncClient, token: str, client_id: str = "") -> None:
        self.client = client
        self.token = token
        self.client_id = client_id

    @classmethod
    async def anonymous(cls, client: httpx.AsyncClient, client_id: str | None = None) -> Caller:
        client_id = client_id or str(uuid.uuid4())
        response = await client.post(
            "/api/auth/anonymous-token", headers={"X-Client-Id": client_id}
        )
        body = response.json()
        assert body["code"] == 0, body
        return cls(client, body["data"]["token"], client_id)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **ATTRIBUTION}

    async def session(self, language: str = "en") -> str:
        body = await self.post_json(
            "/api/tasks/me/with-session/nemo_agent", {"task_name": "project", "language": language}
        )
        assert body["code"] == 0, body
        return str(body["data"]["session_id"])

    async def post_json(self, path: str, payload: Any) -> Any:
        return (await self.client.post(path, json=payload, headers=self.headers)).json()

    async def get_json(self, path: str) -> Any:
        return (await self.client.get(path, headers=self.headers)).json()

    async def upload(self, sid: str, *files: tuple[str, Any]) -> httpx.Response:
        parts = [("files", (name, content, "application/octet-stream")) for name, content in files]
        return await self.client.post(
            f"/api/upload-video/nemo_agent/me/{sid}", files=parts, headers=self.headers
        )

    async def photo_session(self) -> tuple[str, dict[str, Any]]:
        """A new session with one uploaded photo."""
        sid = await self.session()
        body = (await self.upload(sid, ("photo.png", png_bytes()))).json()
        assert body["code"] == 0, body
        return sid, body["data"]["files"][0]

    async def message(self, sid: str, text: str) -> SseReply:
        payload = {
            "app_name": "nemo_agent",
            "user_id": "me",
            "session_id": sid,
            "new_message": {"parts": [{"text": text}]},
        }
        headers = {**self.headers, "Accept": "text/event-stream"}
        async with self.client.stream("POST", "/run_sse", json=payload, headers=headers) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = [line async for line in stream.aiter_lines()]
        return SseReply(
            lines, [_decode(line[5:].strip()) for line in lines if line.startswith("data:")]
        )

    async def state(self, sid: str) -> dict[str, Any]:
        body = await self.get_json(f"/api/state/nemo_agent/me/{sid}/latest")
        assert body["code"] == 0, body
        return dict(body["data"]["state"])

    async def credits(self) -> dict[str, int]:
        body = await self.get_json("/api/credits/balance/simple")
        assert body["code"] == 0, body
        return dict(body["data"])

    async def submit(self, sid: str, draft: Any, render_id: str | None = None) -> httpx.Response:
        payload = {
            "id": render_id or f"render_{uuid.uuid4().hex[:12]}",
            "sessionId": sid,
            "draft": draft,
            "output": {"format": "mp4", "quality": "high"},
        }
        return await self.client.post(
            "/api/render/proxy/lambda", json=payload, headers=self.headers
        )

    async def poll_until_done(
        self, render_id: str, deadline_s: float = 60.0
    ) -> tuple[list[str], Any]:
        """Poll until completed or failed; return the statuses seen and the last answer."""
        seen: list[str] = []
        limit = time.monotonic() + deadline_s
        while time.monotonic() < limit:
            body = await self.get_json(f"/api/render/proxy/lambda/{render_id}")
            status = body["data"]["status"] if "data" in body else body["status"]
            if not seen or seen[-1] != status:
                seen.append(status)
            if status in ("completed", "failed"):
                return seen, body
            await asyncio.sleep(0.05)  # polling interval of a client, not a wait for an event
        raise AssertionError(f"render {render_id} not done in {deadline_s} s: {seen}")


def _decode(data: str) -> Any:
    if not data:
        return {"type": "heartbeat"}
    try:
        return json.loads(data)
    except ValueError:
        return None
