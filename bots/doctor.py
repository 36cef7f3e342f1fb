"""`clipbridge doctor`: checks what a deployment needs, and says in plain words what to fix."""

from __future__ import annotations

import asyncio
import difflib
import os
import sys
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import discord
import httpx
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from bots.failures import explain, no_route
from bots.settings import ProcessSettings, setting_names
from core.backend.nemo.client import Attribution, NemoClient
from core.errors import BackendError, TokenInvalid
from core.exports import ffmpeg_path
from core.settings import Settings
from core.store import RedisUrlError, close_client, describe, redis_client, unencoded_in_password

TIMEOUT_S = 10.0
# What the bot does in a channel: read it, post and reply (threads too) with videos and links.
BOT_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False  # worth reading, but nothing fails because of it

    @property
    def mark(self) -> str:
        return "!" if self.warning else "✔" if self.ok else "✘"


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


async def redis_check(process: ProcessSettings) -> Check:
    settings = process.core
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
            retry=Retry(NoBackoff(), 0),  # one answer, at once: no reconnecting
        )
    except RedisUrlError as exc:  # its text never holds the URL
        return _named("redis", exc, process)
    cluster: dict[str, Any] | None = None  # CLUSTER INFO, on a cluster
    try:
        info = await client.info("server")
        if isinstance(client, RedisCluster):
            cluster = await client.cluster_info()
    except Exception as exc:
        advice = unencoded_in_password(settings.redis_url)
        named = explain(exc, process)
        if named is not None:
            return Check("redis", False, named.what, advice or named.fix)
        return Check(
            "redis",
            False,
            f"{what} does not answer ({type(exc).__name__})",
            advice
            or "check REDIS_URL (hosts, ports, service name, passwords) and that Redis is running",
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
        if settings.redis_url:  # a Redis of its own is there to be shared by several processes
            return Check(
                "backend",
                False,
                "NEMO_API_BASE=local starts an engine inside each process, and REDIS_URL shares "
                "the chats between processes: a chat's session would live in one engine and "
                "its next job run in another",
                "run `clipbridge engine` as its own service (compose and Kubernetes do) and set "
                "NEMO_API_BASE to its URL, or unset REDIS_URL for one process on its own",
            )
        return Check("backend", True, "NEMO_API_BASE=local: an engine renders in this process")
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


async def telegram_check(process: ProcessSettings) -> Check | None:
    settings = process.telegram
    if settings.bot_token is None:
        return None
    from telegram.error import InvalidToken, NetworkError, TelegramError

    from bots.telegram.service import opened_bot

    try:
        async with opened_bot(settings) as bot:  # calls getMe
            name = bot.username
            reads_all = bool(bot.bot.can_read_all_group_messages)
    except (InvalidToken, NetworkError) as exc:  # InvalidToken's text holds the token: not shown
        return _named("telegram", exc, process)
    except TelegramError as exc:
        return Check(
            "telegram",
            False,
            f"getMe failed ({type(exc).__name__})",
            "check TELEGRAM_API_BASE and the network",
        )
    privacy = (
        "privacy mode off: it sees every group message"
        if reads_all
        else "privacy mode on: in groups it sees commands, mentions and replies to it"
    )
    how = "webhook" if settings.webhook_url else "long polling"
    return Check("telegram", True, f"bot @{name} answers ({privacy}; {how})")


async def discord_check(process: ProcessSettings) -> Check | None:
    settings = process.discord
    if settings.bot_token is None:
        return None
    import aiohttp
    import discord

    from bots.discord.service import point_at

    point_at(settings)
    # The intents the bot runs with: with none at all discord.py warns of missing guild state.
    client = discord.Client(intents=discord.Intents(guilds=True))
    try:
        async with asyncio.timeout(TIMEOUT_S):
            await client.login(settings.bot_token.get_secret_value())
            app = await client.application_info()
    except (discord.LoginFailure, aiohttp.ClientError) as exc:
        return _named("discord", exc, process)
    except TimeoutError:
        return _named(
            "discord", no_route("Discord", settings.api_base, "DISCORD_API_BASE"), process
        )
    except discord.HTTPException as exc:
        return Check(
            "discord",
            False,
            f"Discord answered HTTP {exc.status}",
            "check DISCORD_API_BASE and Discord's status page",
        )
    finally:
        await client.close()
    invite = discord.utils.oauth_url(
        app.id, permissions=BOT_PERMISSIONS, scopes=("bot", "applications.commands")
    )
    where = (
        f"its commands go to servers {settings.guild_ids} at once"
        if settings.guild_ids
        else "its commands are global (new ones can take a while to show)"
    )
    return Check("discord", True, f"application {app.name!r} logs in; {where}", f"invite: {invite}")


def unknown_settings(names: Iterable[str]) -> list[Check]:
    """Names that look like a clipbridge setting but are none: a typo is otherwise ignored."""
    known = sorted(setting_names())
    found = []
    for name in sorted(set(names)):
        upper = name.upper()
        if upper in known:
            continue
        close = difflib.get_close_matches(upper, known, n=1, cutoff=0.8)
        if close:
            found.append(
                Check(
                    "settings",
                    True,
                    f"{name} is not a clipbridge setting and is ignored",
                    f"did you mean {close[0]}?",
                    warning=True,
                )
            )
    return found


def settings_names(env_file: Path = Path(".env")) -> list[str]:
    """Every name set for this process: the environment's, and the .env file's."""
    names = list(os.environ)
    if env_file.is_file():
        for line in env_file.read_text(errors="replace").splitlines():
            name, equals, _ = line.strip().removeprefix("export ").partition("=")
            if equals and name and not name.startswith("#"):
                names.append(name.strip())
    return names


def plan(process: ProcessSettings) -> list[tuple[str, Callable[[], Awaitable[Check | None]]]]:
    """The checks in order, each with what it is doing (shown while it waits)."""
    return [
        ("FFmpeg", lambda: ffmpeg_check(process.core)),
        ("Redis", lambda: redis_check(process)),
        ("the video backend", lambda: backend_check(process.core)),
        ("Telegram", lambda: telegram_check(process)),
        ("Discord", lambda: discord_check(process)),
    ]


def platforms_check(process: ProcessSettings) -> Check | None:
    if not process.platforms:
        return Check(
            "platforms",
            False,
            "no chat platform is configured",
            "set TELEGRAM_BOT_TOKEN and/or DISCORD_BOT_TOKEN",
        )
    return None


async def diagnose(process: ProcessSettings, names: Iterable[str] = ()) -> list[Check]:
    results: list[Check | None] = [*unknown_settings(names)]
    for _, run in plan(process):
        results.append(await run())
    results.append(platforms_check(process))
    return [check for check in results if check is not None]


async def doctor(process: ProcessSettings, out: TextIO = sys.stdout) -> int:
    """Print each check as it ends; while one waits on the network, a terminal shows which."""
    shown = unknown_settings(settings_names())
    for check in shown:
        _print(check, out)
    live = out.isatty()
    for doing, run in plan(process):
        if live:
            print(f"… checking {doing}", end="\r", file=out, flush=True)
        found = await run()
        if live:
            print("\x1b[2K", end="", file=out)  # the progress line goes
        if found is not None:
            _print(found, out)
            shown.append(found)
    last = platforms_check(process)
    if last is not None:
        _print(last, out)
        shown.append(last)
    return 0 if all(check.ok for check in shown) else 1


def _print(check: Check, out: TextIO) -> None:
    print(f"{check.mark} {check.name}: {check.detail}", file=out, flush=True)
    if check.fix:
        print(f"    fix: {check.fix}" if not check.ok else f"    {check.fix}", file=out, flush=True)


def _named(name: str, exc: BaseException, process: ProcessSettings) -> Check:
    """The check failed the way `bots.failures` words it for every role."""
    named = explain(exc, process)
    if named is None:
        return Check(name, False, f"failed ({type(exc).__name__})", "check the settings it uses")
    return Check(name, False, named.what, named.fix)
