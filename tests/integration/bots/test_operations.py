"""Operating clipbridge: health and metrics of a running role, SIGTERM, and `clipbridge doctor`."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx
from pydantic import SecretStr
from redis.asyncio import Redis

from bots.doctor import diagnose
from engine.server import RunningEngine
from tests.fakes.discord_api import FakeDiscord, pointed_at
from tests.fakes.telegram_api import FakeTelegram
from tests.fixtures.core import settings_for
from tests.fixtures.engine import EngineFactory
from tests.fixtures.ports import free_port

ROOT = Path(__file__).resolve().parents[3]


async def get_when_up(url: str, within_s: float = 60) -> httpx.Response:
    """The role starts in another process: retry until its port answers."""
    deadline = asyncio.get_running_loop().time() + within_s
    async with httpx.AsyncClient() as http:
        while True:
            try:
                return await http.get(url, timeout=5)
            except httpx.TransportError:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.2)


async def connects(host: str, port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection(host, port)
    except ConnectionRefusedError:
        return False
    writer.close()
    await writer.wait_closed()
    return True


async def test_a_worker_reports_health_and_metrics_on_loopback_and_stops_on_sigterm(
    redis: Redis,
    redis_url: str,
    key_prefix: str,
    engine: RunningEngine,
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "HEALTH_LISTEN"}  # the default, please
    env |= {
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": key_prefix,
        "NEMO_API_BASE": engine.base_url,
        "HEALTH_PORT": str(port),
        "WORK_DIR": str(tmp_path),
        "LOG_FORMAT": "json",
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bots.cli",
        "worker",
        cwd=ROOT,
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        health = await get_when_up(f"http://127.0.0.1:{port}/healthz")
        async with httpx.AsyncClient() as http:
            metrics = await http.get(f"http://127.0.0.1:{port}/metrics")
        # Listening on 127.0.0.1 alone: even another loopback address is refused, as is any
        # address facing the network.
        other_loopback = await connects("127.0.0.2", port)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, logs = await asyncio.wait_for(worker.communicate(), 40)
    assert health.status_code == 200
    assert not other_loopback
    assert health.json() == {"redis": "ok", "backend": "ok"}
    assert "clipbridge_queue_depth" in metrics.text
    assert "clipbridge_messages_in" in metrics.text
    assert worker.returncode == 0, logs.decode()[-2000:]


async def test_health_says_503_when_the_backend_is_gone(
    redis: Redis,
    redis_url: str,
    key_prefix: str,
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": key_prefix,
        "NEMO_API_BASE": f"http://127.0.0.1:{free_port()}",
        "HEALTH_PORT": str(port),
        "HEALTH_LISTEN": "127.0.0.1",
        "WORK_DIR": str(tmp_path),
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bots.cli",
        "worker",
        cwd=ROOT,
        env=env,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        health = await get_when_up(f"http://127.0.0.1:{port}/healthz")
    finally:
        worker.send_signal(signal.SIGTERM)
        await asyncio.wait_for(worker.wait(), 40)
    assert health.status_code == 503
    assert health.json() == {"redis": "ok", "backend": "failing"}


async def test_doctor_checks_everything_and_says_what_to_fix(
    redis_url: str,
    make_engine: EngineFactory,
    fake_telegram: FakeTelegram,
    fake_discord: FakeDiscord,
    tmp_path: Path,
) -> None:
    engine = make_engine(registered_tokens="nmv_reg_operator=2500")
    good = settings_for(
        redis_url,
        "doctor",
        engine.base_url,
        tmp_path,
        nemo_token=SecretStr("nmv_reg_operator"),
        telegram_bot_token=SecretStr(fake_telegram.token),
        telegram_api_base=fake_telegram.base_url,
        discord_bot_token=SecretStr(fake_discord.token),
        discord_api_base=fake_discord.rest_base,
    )
    with pointed_at(fake_discord):
        checks = {check.name: check for check in await diagnose(good)}
        bad = good.model_copy(
            update={
                "telegram_bot_token": SecretStr("123456:" + "x" * 35),
                "nemo_token": SecretStr("nmv_reg_wrong"),
                "redis_url": "redis://127.0.0.1:1/0",
            }
        )
        broken = {check.name: check for check in await diagnose(bad)}

    assert all(check.ok for check in checks.values()), checks
    assert "2500 credits" in checks["backend"].detail
    assert checks["telegram"].detail.startswith("bot @")
    assert not broken["telegram"].ok
    assert "BotFather" in broken["telegram"].fix
    assert not broken["backend"].ok
    assert "NEMO_TOKEN" in broken["backend"].fix
    assert not broken["redis"].ok
    shown = " ".join(f"{c.detail} {c.fix}" for c in broken.values())
    assert "x" * 35 not in shown
    assert "nmv_reg_wrong" not in shown
