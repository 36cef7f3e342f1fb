"""What an operator sees when a role cannot start: each failure they can fix is one line saying
what is wrong and what to do, the exit status is not 0, there is no traceback (unless -v asks
for one) and no secret, in a real `clipbridge` subprocess."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import FakeTelegram
from tests.fixtures.ports import free_port
from tests.fixtures.redis_servers import start_redis

TELEGRAM_TOKEN = "7310492886:AAFq3vWrongWrongWrongWrongWrong0123"
DISCORD_TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GqWxYz.wrongwrongwrongwrongwrongwrongwrong00"
NEMO_TOKEN = "nmv_usr_wrong0123456789abcdef"
REDIS_PASSWORD = "hunter2-wrong-pass-5c1e"
SECRETS = (TELEGRAM_TOKEN, DISCORD_TOKEN, NEMO_TOKEN, REDIS_PASSWORD)
QUIET = {"LOG_FORMAT": "text", "NEMO_API_BASE": "local", "HEALTH_PORT": "0"}


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return [line for line in (self.out + self.err).splitlines() if line.strip()]


async def clipbridge(*args: str, env: dict[str, str], cwd: Path) -> Ran:
    """`clipbridge` in a clean environment (nothing from this process's but PATH and HOME)."""
    base = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bots.cli",
        *args,
        cwd=cwd,
        env={**base, "NEMO_TOKEN": NEMO_TOKEN, **env},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(errors="replace"), err.decode(errors="replace"))


def assert_one_line(ran: Ran, *words: str, started: bool = False) -> None:
    """The failure is told in one line; before it, only a role that `started` logged."""
    shown = ran.out + ran.err
    assert ran.code != 0, shown
    assert "Traceback" not in shown, shown
    for secret in SECRETS:
        assert secret not in shown, f"a secret was printed:\n{shown}"
    *before, line = ran.lines
    assert started or not before, shown
    assert line.startswith("clipbridge: ") and "Fix: " in line, line
    for word in words:
        assert word in line, line


@contextmanager
def port_in_use() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield int(held.getsockname()[1])


@contextmanager
def redis_with_password(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    with ExitStack() as stack:
        start_redis(
            stack,
            tmp_path / "redis.log",
            *("--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
            *("--requirepass", "the-right-one"),
        )
        yield port


def closed_url(path: str = "") -> str:
    return f"http://127.0.0.1:{free_port()}{path}"


def telegram_at(fake: FakeTelegram, token: str) -> dict[str, str]:
    return {"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_BASE": fake.base_url}


def discord_at(fake: FakeDiscord, token: str) -> dict[str, str]:
    return {
        "DISCORD_BOT_TOKEN": token,
        "DISCORD_API_BASE": fake.rest_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
    }


async def test_a_rejected_telegram_token(fake_telegram: FakeTelegram, tmp_path: Path) -> None:
    env = {**QUIET, **telegram_at(fake_telegram, TELEGRAM_TOKEN)}
    ran = await clipbridge("run", env=env, cwd=tmp_path)
    assert_one_line(ran, "Telegram does not accept TELEGRAM_BOT_TOKEN", "@BotFather")


async def test_a_rejected_discord_token(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    env = {**QUIET, **discord_at(fake_discord, DISCORD_TOKEN)}
    ran = await clipbridge("discord", env=env, cwd=tmp_path)
    assert_one_line(ran, "Discord does not accept DISCORD_BOT_TOKEN", "Developer Portal")


async def test_no_route_to_telegram(tmp_path: Path) -> None:
    env = {**QUIET, "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_API_BASE": closed_url()}
    ran = await clipbridge("telegram", env=env, cwd=tmp_path)
    assert_one_line(ran, "no route to Telegram at 127.0.0.1", "TELEGRAM_API_BASE")


async def test_no_route_to_discord(tmp_path: Path) -> None:
    env = {**QUIET, "DISCORD_BOT_TOKEN": DISCORD_TOKEN, "DISCORD_API_BASE": closed_url("/api")}
    ran = await clipbridge("run", env=env, cwd=tmp_path)
    assert_one_line(ran, "no route to Discord at 127.0.0.1", "DISCORD_API_BASE")


@pytest.mark.parametrize("role", ["worker", "demo", "chat"])
async def test_no_route_to_the_backend(role: str, tmp_path: Path) -> None:
    env = {**QUIET, "NEMO_API_BASE": closed_url()}
    ran = await clipbridge(role, env=env, cwd=tmp_path)
    assert_one_line(ran, "no route to the video backend at 127.0.0.1", "NEMO_API_BASE")


async def test_the_health_port_in_use(tmp_path: Path) -> None:
    with port_in_use() as port:
        env = {**QUIET, "HEALTH_PORT": str(port)}
        ran = await clipbridge("worker", env=env, cwd=tmp_path)
    assert_one_line(ran, f"port 127.0.0.1:{port} (HEALTH_PORT) is in use", "or 0 for none")


async def test_the_webhook_port_in_use(fake_telegram: FakeTelegram, tmp_path: Path) -> None:
    with port_in_use() as port:
        env = {
            **QUIET,
            **telegram_at(fake_telegram, fake_telegram.token),
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram",
            "TELEGRAM_WEBHOOK_SECRET": "s3cret-for-the-webhook",
            "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
            "TELEGRAM_WEBHOOK_PORT": str(port),
        }
        ran = await clipbridge("telegram", env=env, cwd=tmp_path)
    assert_one_line(ran, f"port 127.0.0.1:{port} (TELEGRAM_WEBHOOK_PORT) is in use")


async def test_the_engine_port_in_use(tmp_path: Path) -> None:
    with port_in_use() as port:
        env = {**QUIET, "ENGINE_DATA_DIR": str(tmp_path / "engine")}
        ran = await clipbridge(
            "engine", "--host", "127.0.0.1", "--port", str(port), env=env, cwd=tmp_path
        )
    assert_one_line(ran, f"port 127.0.0.1:{port} (--port) is in use")


@pytest.mark.parametrize("role", ["run", "worker", "telegram", "demo"])
async def test_redis_away(role: str, fake_telegram: FakeTelegram, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **QUIET,
        **telegram_at(fake_telegram, fake_telegram.token),
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
    }
    ran = await clipbridge(role, env=env, cwd=tmp_path)
    assert_one_line(ran, f"Redis at 127.0.0.1:{port} does not answer", "REDIS_URL")


async def test_redis_refusing_the_password(tmp_path: Path) -> None:
    with redis_with_password(tmp_path) as port:
        env = {**QUIET, "REDIS_URL": f"redis://:{REDIS_PASSWORD}@127.0.0.1:{port}/0"}
        ran = await clipbridge("worker", env=env, cwd=tmp_path)
    assert_one_line(ran, f"Redis at 127.0.0.1:{port} refuses the password", "percent-encoded")


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("REDIS_URL", "http://127.0.0.1:6379", "REDIS_URL cannot be used"),
        ("REDIS_URL", f"redis://:{REDIS_PASSWORD}/x@127.0.0.1:6379/0", "Fix: percent-encode"),
        ("NEMO_API_BASE", "ftp://backend.example.org", "NEMO_API_BASE must be an http(s) URL"),
        ("HEALTH_PORT", "nine", "HEALTH_PORT: Input should be a valid integer"),
        ("TELEGRAM_WEBHOOK_URL", "http://bot.example.org/hook", "must be a public https:// URL"),
        ("DISCORD_API_BASE", "discord.com/api/v10", "DISCORD_API_BASE must be an http(s) URL"),
    ],
)
async def test_a_setting_in_a_form_that_cannot_work(
    name: str, value: str, words: str, tmp_path: Path
) -> None:
    ran = await clipbridge("worker", env={**QUIET, name: value}, cwd=tmp_path)
    assert_one_line(ran, words)
    assert REDIS_PASSWORD not in ran.out + ran.err


@pytest.mark.parametrize("role", ["demo", "worker", "engine"])
async def test_no_ffmpeg(role: str, tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere" / "ffmpeg")
    env = {**QUIET, "FFMPEG_BINARY": missing, "ENGINE_FFMPEG_BINARY": missing}
    ran = await clipbridge(role, env=env, cwd=tmp_path)
    assert_one_line(ran, f"there is no FFmpeg at {missing}")


async def test_verbose_adds_the_traceback_without_the_token(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    env = {**QUIET, **telegram_at(fake_telegram, TELEGRAM_TOKEN)}
    ran = await clipbridge("telegram", "-v", env=env, cwd=tmp_path)
    assert ran.code != 0
    assert "Traceback" in ran.err and "InvalidToken" in ran.err
    assert TELEGRAM_TOKEN not in ran.err and TELEGRAM_TOKEN.split(":")[1] not in ran.err
    assert ran.lines[-1].startswith("clipbridge: Telegram does not accept")


async def test_run_with_nothing_configured_says_what_to_set_on_stdout(tmp_path: Path) -> None:
    ran = await clipbridge("run", env={"HEALTH_PORT": "0"}, cwd=tmp_path)
    assert ran.code == 2
    assert not ran.err
    assert "TELEGRAM_BOT_TOKEN" in ran.out and "DISCORD_BOT_TOKEN" in ran.out
    assert "clipbridge doctor" in ran.out and "clipbridge chat" in ran.out


async def test_a_token_revoked_while_polling_ends_the_role_in_one_line(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    """The token works at start (getMe, setMyCommands) and is refused from the first poll on,
    as after BotFather's /revoke: asking again cannot help, so the role stops and says why."""
    fake_telegram.fail("getUpdates", 401, "Unauthorized", times=100)
    env = {**QUIET, **telegram_at(fake_telegram, fake_telegram.token)}
    ran = await clipbridge("telegram", env=env, cwd=tmp_path)
    assert_one_line(ran, "Telegram does not accept TELEGRAM_BOT_TOKEN", started=True)
    assert "ready" in ran.err, "it had started"
