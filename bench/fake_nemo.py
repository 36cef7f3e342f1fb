"""A minimal NemoVideo stand-in for benchmarks: every call answers at once (or after `--delay`),
sessions always hold an exportable draft, and renders never finish. Run as
``python -m bench.fake_nemo [--delay S] [--render-s S] [--think-s S]``; it prints its port on
the first line.

With `--render-s`, a render completes that many seconds after it was submitted and its output
URL serves a small MP4 (made once at start with FFmpeg), so whole exports can run. Uploads are
accepted and the agent (``/run_sse``) answers after `--think-s` seconds of heartbeats: a photo's
full path (upload, agent, export, download) works against it.

`/_stats` tells what happened, on this host's monotonic clock (one clock for every process of
the machine): per render, when it was done, its status calls and when its file was fetched;
per session, when its upload began and ended, the tag the uploaded file carries (`TAG` then
digits, anywhere in the bytes: how a bench tells whose file it was), when the agent was asked
and when it answered, and its renders.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from engine.render.probe import ffmpeg_binary

DRAFT = {
    "t": [{"tt": 0, "sg": [{"s": 0, "d": 5000, "src": "x", "name": "photo.jpg"}]}],
    "d": 5000,
    "m": {"width": 1920, "height": 1080},
}
TAG = b"bench-tag:"
AGENT_REPLY = "I made a 5 s clip of your photo with a slow zoom. Exporting it now."
HEARTBEAT_S = 1.0


def small_mp4() -> bytes:
    """A one-second 160x90 H.264 clip: what a finished render's output URL serves."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "clip.mp4"
        subprocess.run(
            [
                ffmpeg_binary(),
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                "color=c=navy:s=160x90:d=1:r=10",
                "-pix_fmt",
                "yuv420p",
                "-movflags",
                "+faststart",
                str(out),
            ],
            check=True,
        )
        return out.read_bytes()


def build(
    delay_s: float, *, render_s: float | None = None, think_s: float = 0.0, video: bytes = b""
) -> Starlette:
    """The app; `render_s` None keeps renders processing forever (the memory bench's case)."""
    submitted: dict[str, float] = {}  # render id -> when it was submitted, with `render_s`
    # What /_stats reports, per render id (times on this host's monotonic clock).
    status_calls: dict[str, int] = {}
    fetched: dict[str, float] = {}  # when its output file was first asked for
    sessions: dict[str, dict[str, Any]] = {}  # session id -> its upload, agent turn and renders

    async def pause() -> None:
        if delay_s:
            await asyncio.sleep(delay_s)

    async def token(request: Request) -> Response:
        await pause()
        data = {
            "token": f"bench_{uuid.uuid4().hex}",
            "user_id": "anon_bench",
            "expires_at": "2099-01-01T00:00:00Z",
            "credits": 100,
        }
        return JSONResponse({"code": 0, "data": data})

    async def session(request: Request) -> Response:
        await pause()
        data = {"task_id": "task_b", "session_id": uuid.uuid4().hex, "user_id": "anon_bench"}
        return JSONResponse({"code": 0, "data": data})

    async def credits(request: Request) -> Response:
        await pause()
        return JSONResponse({"code": 0, "data": {"available": 100, "frozen": 0, "total": 100}})

    async def state(request: Request) -> Response:
        await pause()
        return JSONResponse({"code": 0, "data": {"state": {"draft": DRAFT}}})

    async def render(request: Request) -> Response:
        await pause()
        render_id = request.path_params.get("rid") or (await request.json())["id"]
        if request.method == "GET":
            status_calls[render_id] = status_calls.get(render_id, 0) + 1
        data: dict[str, object] = {"id": render_id, "status": "processing", "progress": 42}
        if request.method == "POST":
            sid = str((await request.json()).get("sessionId", ""))
            sessions.setdefault(sid, {}).setdefault("renders", []).append(render_id)
        if render_s is not None:
            started = submitted.setdefault(render_id, time.monotonic())
            done = min(1.0, (time.monotonic() - started) / render_s) if render_s > 0 else 1.0
            data["progress"] = int(done * 100)
            if done >= 1.0:
                data["status"] = "completed"
                data["outputUrl"] = f"{str(request.base_url).rstrip('/')}/files/{render_id}.mp4"
        return JSONResponse({"success": True, "data": data})

    async def upload(request: Request) -> Response:
        began = time.monotonic()
        await pause()
        size, tail = 0, b""
        async for chunk in request.stream():
            size += len(chunk)
            tail = (tail + chunk)[-4096:]
        sid = request.path_params["sid"]
        tag = re.search(re.escape(TAG) + rb"(\d+)", tail)
        journal = sessions.setdefault(sid, {})
        journal |= {"upload_began": began, "upload_done": time.monotonic()}
        if tag:
            journal["tag"] = int(tag.group(1))
        item = {
            "filename": "photo.jpg",
            "file_type": "image",
            "cdn_url": f"{str(request.base_url).rstrip('/')}/files/{sid}/photo.jpg",
            "width": 480,
            "height": 320,
            "size": size,
        }
        return JSONResponse({"code": 0, "data": {"files": [item]}})

    async def run_sse(request: Request) -> Response:
        asked = time.monotonic()
        body = json.loads(await request.body() or b"{}")
        journal = sessions.setdefault(str(body.get("session_id", "")), {})
        journal["agent_asked"] = asked

        async def events() -> AsyncIterator[bytes]:
            deadline = time.monotonic() + think_s
            while (left := deadline - time.monotonic()) > 0:
                yield b": ping\n\n"
                await asyncio.sleep(min(HEARTBEAT_S, left))
            reply = json.dumps({"type": "text", "content": AGENT_REPLY})
            journal["agent_answered"] = time.monotonic()
            yield f"id: 1\ndata: {reply}\n\n".encode()

        return StreamingResponse(events(), media_type="text/event-stream")

    async def output(request: Request) -> Response:
        fetched.setdefault(request.path_params["rid"], time.monotonic())
        await pause()
        return Response(video, media_type="video/mp4")

    async def big(request: Request) -> Response:
        """`mb` MiB of incompressible bytes, streamed (a platform's file URL, for the relay)."""
        block = random.Random(7).randbytes(1 << 20)
        count = int(request.path_params["mb"])

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(count):
                yield block

        headers = {"Content-Length": str(count << 20)}
        return StreamingResponse(chunks(), media_type="application/octet-stream", headers=headers)

    async def stats(request: Request) -> Response:
        """Per render: when it was done (submitted + render_s), its status calls, and when its
        file was fetched (the delivery's download)."""
        renders = {
            rid: {
                "done_at": at + (render_s or 0.0),
                "status_calls": status_calls.get(rid, 0),
                "fetched_at": fetched.get(rid),
            }
            for rid, at in submitted.items()
        }
        return JSONResponse({"renders": renders, "sessions": sessions})

    return Starlette(
        routes=[
            Route("/api/auth/anonymous-token", token, methods=["POST"]),
            Route("/api/tasks/me/with-session/nemo_agent", session, methods=["POST"]),
            Route("/api/credits/balance/simple", credits),
            Route("/api/state/nemo_agent/me/{sid}/latest", state),
            Route("/api/render/proxy/lambda", render, methods=["POST"]),
            Route("/api/render/proxy/lambda/{rid}", render),
            Route("/api/upload-video/nemo_agent/me/{sid}", upload, methods=["POST"]),
            Route("/run_sse", run_sse, methods=["POST"]),
            Route("/files/{rid}.mp4", output),
            Route("/api/render/proxy/{rid}/download", output),
            Route("/_stats", stats),
            Route("/big/{mb:int}", big),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument(
        "--render-s", type=float, default=None, help="seconds a render takes (default: never ends)"
    )
    parser.add_argument(
        "--think-s", type=float, default=0.0, help="seconds the agent takes to answer /run_sse"
    )
    args = parser.parse_args()
    video = small_mp4() if args.render_s is not None else b""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    print(sock.getsockname()[1], flush=True)
    app = build(args.delay, render_s=args.render_s, think_s=args.think_s, video=video)
    config = uvicorn.Config(
        app, log_level="error", access_log=False, backlog=4096, limit_concurrency=None
    )
    server = uvicorn.Server(config)
    asyncio.run(server.serve(sockets=[sock]))
    sys.exit(0)


if __name__ == "__main__":
    main()
