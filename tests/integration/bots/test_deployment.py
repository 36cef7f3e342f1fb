"""A real multi-process deployment on this machine: the local engine, two workers and the
Telegram ingress, each in its own process, sharing the real Redis and the fake Bot API. Chats
send photos; mid-way one worker is SIGKILLed and another SIGTERMed, as a crash and a rolling
update would do, and replacements start. Every chat gets exactly one MP4.

`make test` runs it with a few dozen chats; `make soak` with the 200 the issue asks for."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bots.runtime import open_runtime, wait_until_idle
from tests.fakes.telegram import FakeTelegram
from tests.fixtures.core import settings_for
from tests.fixtures.soak import SoakRow, record

ROOT = Path(__file__).resolve().parents[3]


class Deployment:
    """The processes of one deployment, each logging to its own file under `logs`."""

    def __init__(self, logs: Path, env: dict[str, str]) -> None:
        self._logs = logs
        self._env = env
        self.processes: dict[str, asyncio.subprocess.Process] = {}
        logs.mkdir(parents=True, exist_ok=True)

    async def start(
        self, name: str, *argv: str, env: dict[str, str] | None = None, stdout: int | None = None
    ) -> None:
        with (self._logs / f"{name}.log").open("ab") as log:
            self.processes[name] = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bots.cli",
                *argv,
                cwd=ROOT,
                env={**os.environ, **self._env, **(env or {})},
                stdout=asyncio.subprocess.DEVNULL if stdout is None else stdout,
                stderr=log,
            )

    async def start_engine(self) -> str:
        """Start `clipbridge engine` on a free port and read its address back."""
        engine_env = {
            "ENGINE_DATA_DIR": str(self._logs / "engine"),
            "ENGINE_FPS": "5",
            "ENGINE_X264_PRESET": "ultrafast",
            "ENGINE_DEFAULT_DURATION_S": "5",
            "ENGINE_NARRATION": "off",
            "ENGINE_THINK_S": "0.1",
            "ENGINE_HEARTBEAT_S": "0.5",
            "ENGINE_RENDER_WORKERS": "2",
        }
        await self.start(
            "engine",
            "engine",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            env=engine_env,
            stdout=asyncio.subprocess.PIPE,
        )
        stdout = self.processes["engine"].stdout
        assert stdout is not None
        line = (await asyncio.wait_for(stdout.readline(), 60)).decode()
        assert line.startswith("engine listening on "), line
        return line.split()[-1]

    async def ready(self, name: str, within_s: float = 60) -> None:
        """Wait for the role to say it is ready, as a rolling update waits for readiness."""
        deadline = asyncio.get_running_loop().time() + within_s
        while not any(e.get("message") == "ready" for e in self.log_lines(name)):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{name} never got ready: {self.log(name)}")
            await asyncio.sleep(0.1)

    def kill(self, name: str) -> None:
        self.processes[name].send_signal(signal.SIGKILL)

    async def stop(self, name: str, within_s: float = 60) -> int:
        process = self.processes[name]
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(process.wait(), within_s)

    def log_lines(self, name: str) -> list[dict[str, Any]]:
        """The role's JSON log records (a line cut by a SIGKILL is skipped)."""
        records = []
        for line in (self._logs / f"{name}.log").read_text(errors="replace").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return records

    def log(self, name: str, *, whole: bool = False) -> str:
        text = (self._logs / f"{name}.log").read_text(errors="replace")
        return text if whole else text[-3000:]

    async def stop_all(self) -> None:
        for process in self.processes.values():
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                await asyncio.wait_for(process.wait(), 60)
            except TimeoutError:
                process.kill()
                await process.wait()


@asynccontextmanager
async def deployment(
    tmp_path: Path, redis_url: str, key_prefix: str, fake: FakeTelegram
) -> AsyncIterator[tuple[Deployment, str]]:
    roles_env = {
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": key_prefix,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE": fake.base_url,
        "WORK_DIR": str(tmp_path / "work"),
        "HEALTH_PORT": "0",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "JOB_HEARTBEAT_S": "3",
        "WORKER_CONCURRENCY": "16",
        "RENDER_POLL_MIN_S": "0.5",
        "RENDER_POLL_MAX_S": "2",
        "SETTLE_POLL_S": "0.3",
    }
    running = Deployment(tmp_path / "logs", roles_env)
    try:
        engine_url = await running.start_engine()
        roles_env["NEMO_API_BASE"] = engine_url
        yield running, engine_url
    finally:
        await running.stop_all()


def sending_not_confirmed(log_lines: list[dict[str, Any]]) -> set[int]:
    """Chats whose video a worker began to send and never saw accepted."""
    began = {e["chat"] for e in log_lines if e.get("message") == "sending video"}
    done = {e["chat"] for e in log_lines if e.get("message") == "video delivered"}
    return {int(chat.split(":")[1]) for chat in began - done}


def videos_by_chat(fake: FakeTelegram) -> Counter[int]:
    return Counter(int(c.params["chat_id"]) for c in fake.calls_of("sendVideo") if c.status == 200)


def delivered(fake: FakeTelegram, chats: list[int]) -> int:
    got = videos_by_chat(fake)
    return sum(1 for chat in chats if got[chat])


@pytest.mark.parametrize("chats", [24, pytest.param(200, marks=pytest.mark.slow)])
@pytest.mark.timeout(1200)
async def test_every_chat_gets_one_video_through_a_crash_and_a_rolling_restart(
    chats: int,
    fake_telegram: FakeTelegram,
    redis: Redis,
    redis_url: str,
    key_prefix: str,
    tmp_path: Path,
    photo_bytes: bytes,
) -> None:
    fake = fake_telegram
    async with deployment(tmp_path, redis_url, key_prefix, fake) as (running, engine_url):
        await running.start("ingress", "telegram")
        await running.start("worker-a", "worker")
        await running.start("worker-b", "worker")
        await fake.wait_for(lambda f: f.calls_of("getUpdates"), within_s=60)

        ids = []
        for n in range(chats):
            user = fake.user(1000 + n, f"User {n}")
            chat = fake.private_chat(user)
            fake.send_photo(chat, user, photo_bytes)
            ids.append(int(chat["id"]))

        # Some chats are done: one worker dies without warning, a replacement starts.
        await fake.wait_for(lambda f: delivered(f, ids) >= chats // 3, within_s=chats * 3 + 60)
        running.kill("worker-a")
        await running.start("worker-c", "worker")
        await running.ready("worker-c")
        # More are done: another worker is told to stop, as a rolling update does.
        await fake.wait_for(lambda f: delivered(f, ids) >= 2 * chats // 3, within_s=chats * 3 + 60)
        stopped = await running.stop("worker-b")
        assert stopped == 0, running.log("worker-b")
        await running.start("worker-d", "worker")
        await running.ready("worker-d")

        await fake.wait_for(lambda f: delivered(f, ids) == chats, within_s=chats * 3 + 90)
        # Every chat holds nothing more, so no late second video can follow.
        settings = settings_for(redis_url, key_prefix, engine_url, tmp_path / "idle")
        async with open_runtime(settings, {}) as watcher:
            for chat_id in ids:
                await asyncio.wait_for(wait_until_idle(watcher.core, f"telegram:{chat_id}"), 120)

    got = videos_by_chat(fake)
    # uvicorn re-raises SIGTERM once the engine has shut down cleanly.
    unclean = [
        name
        for name, process in running.processes.items()
        if name != "worker-a"
        and process.returncode not in ((0, -signal.SIGTERM) if name == "engine" else (0,))
    ]
    row = SoakRow(
        scenario=f"deployment: {chats} chats, a worker SIGKILLed, one SIGTERMed",
        runs=chats,
        delivered=sum(1 for chat in ids if got[chat]),
        duplicates=sum(got[chat] - 1 for chat in ids if got[chat] > 1),
        lost=sum(1 for chat in ids if not got[chat]),
        crashes=len(unclean),
    )
    if chats >= 200:
        record(row)
    assert row.lost == 0, got
    # A send cut by the SIGKILL has an outcome only Telegram knows; it is sent again rather
    # than risk a lost video. Those are the only chats allowed a second copy.
    cut = sending_not_confirmed(running.log_lines("worker-a"))
    twice = {chat for chat in ids if got[chat] > 1}
    assert twice <= cut, (twice, cut)
    assert all(got[chat] <= 2 for chat in ids), got
    assert unclean == [], [(name, running.log(name)) for name in unclean]
    # "Sending video…" is a worker's only while it runs the export's step: once the video is in
    # the chat, no worker (one that ran an earlier look included) shows it again.
    for chat_id in ids:
        sent = [c.at for c in fake.calls_of("sendVideo") if int(c.params["chat_id"]) == chat_id]
        late = [
            c
            for c in fake.calls_of("sendChatAction")
            if int(c.params["chat_id"]) == chat_id and c.at > max(sent)
        ]
        assert late == [], (chat_id, [c.params["action"] for c in late])
    # No token in any role's log.
    for name in running.processes:
        assert fake.token not in running.log(name, whole=True), name
