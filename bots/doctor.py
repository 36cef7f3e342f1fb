"""`clipbridge doctor`: checks what a deployment needs, and says in plain words what to fix."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio.cluster import RedisCluster

from bots.redis_urls import FORMS, RedisUrlError, close_client, describe, redis_client
from core.errors import BackendError, TokenInvalid
from core.fit import ffmpeg_path
from core.nemo.client import Attribution, NemoClient
from core.settings import Settings

TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


async def ffmpeg_check(settings: Settings) -> Check:
    binary = ffmpeg_path(settings.ffmpeg_binary)
    if not Path(binary).is_file():
        return Check(
            "ffmpeg",
            False,
            f"no FFmpeg at {binary}",
            "unset FFMPEG_BINARY to use the one bundled with imageio-ffmpeg",
        )
    process = await asyncio.create_subprocess_exec(
        binary,
        "-hide_banner",
        "-encoders",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await process.communicate()
    if b"libx264" not in out:
        return Check(
            "ffmpeg",
            False,
            "FFmpeg has no libx264 encoder",
            "use an FFmpeg built with libx264 (the imageio-ffmpeg one has it)",
        )
    return Check("ffmpeg", True, "FFmpeg with libx264")


async def redis_check(settings: Settings) -> Check:
    if not settings.redis_url:
        return Check(
            "redis",
            True,
            "REDIS_URL unset: a private embedded redis-server will run "
            "(fine for one process; set REDIS_URL to share state between processes)",
        )
    try:
        what = describe(settings.redis_url)
        client = redis_client(
            settings.redis_url,
            max_connections=2,
            wait_s=TIMEOUT_S,
            socket_connect_timeout=TIMEOUT_S,
        )
    except RedisUrlError as exc:  # its text never holds the URL
        return Check("redis", False, str(exc), f"set REDIS_URL to one of: {FORMS}")
    cluster: dict[str, Any] | None = None  # CLUSTER INFO, on a cluster
    try:
        info = await client.info("server")
        if isinstance(client, RedisCluster):
            cluster = await client.cluster_info()
    except Exception as exc:
        return Check(
            "redis",
            False,
            f"{what} does not answer ({type(exc).__name__})",
            "check REDIS_URL (hosts, ports, service name, passwords) and that Redis is running",
        )
    finally:
        await close_client(client)
    version = f"Redis {info.get('redis_version', '?')}"
    if cluster is not None:
        if cluster.get("cluster_state") != "ok":
            return Check(
                "redis",
                False,
                f"{what} answers, but its state is {cluster.get('cluster_state')!r}",
                "a slot has no reachable master: run `redis-cli --cluster check` on a node",
            )
        masters = cluster.get("cluster_size", "?")
        return Check("redis", True, f"{what} answers ({version}, {masters} masters, all slots)")
    # A plain URL may still lead to a cluster node or a Sentinel: say so before work fails.
    mode = str(info.get("redis_mode", "standalone"))
    if mode == "cluster":
        return Check(
            "redis",
            False,
            "REDIS_URL leads to one node of a Redis Cluster",
            "name the cluster's nodes with redis+cluster://host:6379[,host:6379...]",
        )
    if mode == "sentinel":
        return Check(
            "redis",
            False,
            "REDIS_URL leads to a Sentinel, not to a Redis",
            "name the Sentinels with redis+sentinel://host:26379/<service>",
        )
    return Check("redis", True, f"{what} answers ({version})")


async def backend_check(settings: Settings) -> Check:
    if settings.nemo_api_base == "local":
        detail = "NEMO_API_BASE=local: the local engine renders in this process"
        if settings.redis_url:  # a shared Redis suggests several processes
            detail += (
                "; with several processes each would run its own engine: run "
                "`clipbridge engine` once and set NEMO_API_BASE to its URL"
            )
        return Check("backend", True, detail)
    attribution = Attribution(settings.nemo_skill_version, settings.nemo_skill_platform)
    async with httpx.AsyncClient(timeout=TIMEOUT_S) as http:
        try:
            await http.get(settings.nemo_api_base)
        except httpx.HTTPError as exc:
            return Check(
                "backend",
                False,
                f"{settings.nemo_api_base} is not reachable ({type(exc).__name__})",
                "check NEMO_API_BASE and the network",
            )
        if settings.nemo_token is None:
            return Check(
                "backend",
                True,
                "reachable; no NEMO_TOKEN: each chat gets an anonymous "
                "identity (the service limits how many per IP)",
            )
        client = NemoClient(http, settings.nemo_api_base, attribution)
        try:
            credits = await client.credits(settings.nemo_token.get_secret_value())
        except TokenInvalid:
            return Check(
                "backend",
                False,
                "NEMO_TOKEN is not accepted (expired or wrong)",
                "set a valid NEMO_TOKEN, or leave it empty for anonymous identities",
            )
        except BackendError as exc:
            return Check(
                "backend",
                False,
                f"the credits call failed ({exc.code})",
                "check the token's scopes and the service status",
            )
    return Check("backend", True, f"NEMO_TOKEN works: {credits.available} credits available")


async def telegram_check(settings: Settings) -> Check | None:
    if settings.telegram_bot_token is None:
        return None
    from telegram.error import InvalidToken, TelegramError

    from bots.telegram.service import make_bot

    bot = make_bot(settings)
    try:
        await bot.initialize()  # calls getMe
        name = bot.username
    except InvalidToken:  # its message contains the token: never shown
        return Check(
            "telegram",
            False,
            "the bot token is not accepted",
            "copy TELEGRAM_BOT_TOKEN again from BotFather",
        )
    except TelegramError as exc:
        return Check(
            "telegram",
            False,
            f"getMe failed ({type(exc).__name__})",
            "check TELEGRAM_API_BASE and the network",
        )
    finally:
        await bot.shutdown()
        await bot.request.shutdown()  # PTB skips it when initialize() failed
    return Check("telegram", True, f"bot @{name} answers")


async def discord_check(settings: Settings) -> Check | None:
    if settings.discord_bot_token is None:
        return None
    import discord

    from bots.discord.service import point_at

    point_at(settings)
    client = discord.Client(intents=discord.Intents.none())
    try:
        await client.login(settings.discord_bot_token.get_secret_value())
        user = client.user
    except discord.LoginFailure:
        return Check(
            "discord",
            False,
            "the bot token is not accepted",
            "copy DISCORD_BOT_TOKEN again from the Developer Portal",
        )
    except discord.HTTPException as exc:
        return Check(
            "discord",
            False,
            f"login failed (HTTP {exc.status})",
            "check DISCORD_API_BASE and the network",
        )
    finally:
        await client.close()
    return Check("discord", True, f"bot {user} logs in")


async def diagnose(settings: Settings) -> list[Check]:
    checks = [
        await ffmpeg_check(settings),
        await redis_check(settings),
        await backend_check(settings),
        await telegram_check(settings),
        await discord_check(settings),
    ]
    if settings.telegram_bot_token is None and settings.discord_bot_token is None:
        checks.append(
            Check(
                "platforms",
                False,
                "no chat platform is configured",
                "set TELEGRAM_BOT_TOKEN and/or DISCORD_BOT_TOKEN",
            )
        )
    return [check for check in checks if check is not None]


async def doctor(settings: Settings) -> int:
    results = await diagnose(settings)
    for check in results:
        print(f"{'✔' if check.ok else '✘'} {check.name}: {check.detail}")
        if check.fix:
            print(f"    fix: {check.fix}")
    return 0 if all(check.ok for check in results) else 1
