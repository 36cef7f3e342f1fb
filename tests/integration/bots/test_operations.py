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

from bots.doctor import backend_check, diagnose, unknown_settings
from bots.settings import ProcessSettings
from engine.api.server import RunningEngine
from tests.fakes.discord import FakeDiscord, pointed_at
from tests.fakes.telegram import FakeTelegram
from tests.fixtures.core import settings_for
from tests.fixtures.engine import EngineFactory
from tests.fixtures.platforms import discord_settings, telegram_settings
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
    make_engine: EngineFactory,
    tmp_path: Path,
) -> None:
    """The backend answers when the worker starts (else it would not start), then goes away."""
    engine = make_engine()
    port = free_port()
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": key_prefix,
        "NEMO_API_BASE": engine.base_url,
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
        healthy = await get_when_up(f"http://127.0.0.1:{port}/healthz")
        engine.stop()
        health = await get_when_up(f"http://127.0.0.1:{port}/healthz")
    finally:
        worker.send_signal(signal.SIGTERM)
        await asyncio.wait_for(worker.wait(), 40)
    assert healthy.json() == {"redis": "ok", "backend": "ok"}
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
    core = settings_for(
        redis_url, "doctor", engine.base_url, tmp_path, nemo_token=SecretStr("nmv_reg_operator")
    )
    good = ProcessSettings(core, telegram_settings(fake_telegram), discord_settings(fake_discord))
    with pointed_at(fake_discord):
        checks = {check.name: check for check in await diagnose(good)}
        bad = ProcessSettings(
            core.model_copy(
                update={
                    "nemo_token": SecretStr("nmv_reg_wrong"),
                    "redis_url": "redis://127.0.0.1:1/0",
                }
            ),
            telegram_settings(fake_telegram, bot_token=SecretStr("123456:" + "x" * 35)),
            good.discord,
        )
        broken = {check.name: check for check in await diagnose(bad)}

    assert all(check.ok for check in checks.values()), checks
    assert "2500 credits" in checks["backend"].detail
    assert checks["telegram"].detail.startswith("bot @")
    assert "privacy mode on" in checks["telegram"].detail
    assert checks["discord"].detail.startswith("application 'clipbridge' logs in")
    invite = checks["discord"].fix
    assert invite.startswith("invite: https://discord.com/oauth2/authorize?client_id=")
    assert "scope=bot+applications.commands" in invite and "permissions=274878024704" in invite
    assert not broken["telegram"].ok
    assert "BotFather" in broken["telegram"].fix
    assert not broken["backend"].ok
    assert "NEMO_TOKEN" in broken["backend"].fix
    assert not broken["redis"].ok
    shown = " ".join(f"{c.detail} {c.fix}" for c in broken.values())
    assert "x" * 35 not in shown
    assert "nmv_reg_wrong" not in shown


async def test_doctor_refuses_the_in_process_engine_beside_a_shared_redis(
    redis_url: str, tmp_path: Path
) -> None:
    shared = settings_for(redis_url, "doctor", "local", tmp_path)
    check = await backend_check(shared)
    assert not check.ok
    assert "clipbridge engine" in check.fix and "NEMO_API_BASE" in check.fix
    alone = await backend_check(shared.model_copy(update={"redis_url": None}))
    assert alone.ok


def test_doctor_names_a_setting_that_looks_like_ours_but_is_not() -> None:
    found = unknown_settings(["TELEGRAM_TOKEN", "REDIS_URL", "PATH", "HOME", "DISCORD_BOT_TOKN"])
    assert [(check.detail.split()[0], check.fix) for check in found] == [
        ("DISCORD_BOT_TOKN", "did you mean DISCORD_BOT_TOKEN?"),
        ("TELEGRAM_TOKEN", "did you mean TELEGRAM_BOT_TOKEN?"),
    ]
    assert all(check.ok and check.warning for check in found)


async def test_doctor_without_a_route_to_discord_says_so_in_a_line(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "DISCORD_BOT_TOKEN": "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GqWxYz.doctordoctordoctordoctordoctordoc",
        "DISCORD_API_BASE": f"http://127.0.0.1:{free_port()}/api/v10",
        "TELEGRAM_TOKEN": "set under the wrong name",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bots.cli",
        "doctor",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    shown = out.decode()
    assert process.returncode == 1, shown
    assert "✘ discord: no route to Discord at 127.0.0.1" in shown
    assert "did you mean TELEGRAM_BOT_TOKEN?" in shown
    assert "Traceback" not in shown and "intent" not in shown
    assert env["DISCORD_BOT_TOKEN"] not in shown
