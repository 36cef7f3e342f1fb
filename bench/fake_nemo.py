"""A minimal NemoVideo stand-in for benchmarks: every call answers at once (or after `--delay`),
sessions always hold an exportable draft, and renders never finish. Run as
``python -m bench.fake_nemo [--delay S]``; it prints its port on the first line."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import uuid

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DRAFT = {
    "t": [{"tt": 0, "sg": [{"s": 0, "d": 5000, "src": "x", "name": "photo.jpg"}]}],
    "d": 5000,
    "m": {"width": 1920, "height": 1080},
}


def build(delay_s: float) -> Starlette:
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
        data = {"id": render_id, "status": "processing", "progress": 42}
        return JSONResponse({"success": True, "data": data})

    return Starlette(
        routes=[
            Route("/api/auth/anonymous-token", token, methods=["POST"]),
            Route("/api/tasks/me/with-session/nemo_agent", session, methods=["POST"]),
            Route("/api/credits/balance/simple", credits),
            Route("/api/state/nemo_agent/me/{sid}/latest", state),
            Route("/api/render/proxy/lambda", render, methods=["POST"]),
            Route("/api/render/proxy/lambda/{rid}", render),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(
        build(args.delay), log_level="error", access_log=False, backlog=4096, limit_concurrency=None
    )
    server = uvicorn.Server(config)
    asyncio.run(server.serve(sockets=[sock]))
    sys.exit(0)


if __name__ == "__main__":
    main()
