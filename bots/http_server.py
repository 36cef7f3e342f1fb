"""A small ASGI app served by uvicorn inside the running event loop (webhooks, health)."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp


@dataclass
class Served:
    server: uvicorn.Server
    task: asyncio.Task[None]
    port: int

    async def stop(self) -> None:
        self.server.should_exit = True
        await self.task


async def serve(app: ASGIApp, host: str, port: int) -> Served:
    """Bind first (port 0 picks a free one, read back), then serve until `stop()`."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    return Served(server, task, int(sock.getsockname()[1]))
