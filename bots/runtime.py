"""The composition root: settings in, a running core (and its backend, Redis, workers) out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import TimeoutError as RedisTimeoutError

from bots.discord.settings import DiscordSettings
from bots.failures import OperatorError
from bots.redis_server import redis_url_for
from bots.telegram.settings import TelegramSettings
from core.app import Core
from core.backend.nemo.client import default_timeout
from core.bootstrap import build_core
from core.jobs import JobContext, JobLimits
from core.ports import PlatformPorts
from core.settings import Settings
from core.store import close_client, redis_client
from engine.api.server import start_in_thread
from engine.settings import EngineSettings

REDIS_CHECK_S = 5.0
BACKEND_CHECK_S = 10.0
JobHook = Callable[[JobContext], Coroutine[Any, Any, None]]


class IngressService(Protocol):
    name: str

    def healthy(self) -> bool: ...

    async def ended(self) -> None: ...  # returns or raises when it stops by itself


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    core: Core
    redis_url: str
    nemo_base_url: str


@asynccontextmanager
async def open_runtime(
    settings: Settings,
    platforms: Mapping[str, PlatformPorts],
    *,
    engine_settings: EngineSettings | None = None,
    try_local_redis: bool = False,
    job_limits: JobLimits | None = None,
    needs_backend: bool = False,
) -> AsyncIterator[Runtime]:
    """Everything the core needs, started in order and closed in reverse. `needs_backend`: a
    process that calls the backend (it runs jobs) first checks that it answers at all."""
    with ExitStack() as stack:
        redis_url = stack.enter_context(
            redis_url_for(settings.redis_url, try_local=try_local_redis)
        )
        await check_redis(redis_url)
        local = settings.nemo_api_base == "local"
        if local:
            engine = (engine_settings or EngineSettings()).model_copy(
                update={"host": "127.0.0.1", "port": 0}
            )
            base_url = stack.enter_context(start_in_thread(engine)).base_url
        else:
            base_url = settings.nemo_api_base
        redis = redis_client(redis_url, max_connections=settings.worker_concurrency * 2 + 50)
        # saq keeps one connection blocked in BLMOVE per worker slot, plus its own calls.
        slots = settings.worker_concurrency + settings.export_concurrency
        job_redis = redis_client(redis_url, max_connections=slots * 2 + 50)
        timeout = default_timeout(settings.nemo_connect_timeout_s, settings.nemo_read_timeout_s)
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
        try:
            async with httpx.AsyncClient(timeout=timeout, limits=limits) as http:
                if needs_backend and not local:
                    await check_backend(http, base_url)
                core = build_core(
                    settings,
                    redis=redis,
                    job_redis=job_redis,
                    http=http,
                    nemo_base_url=base_url,
                    platforms=dict(platforms),
                    job_limits=job_limits,
                    task_links=not local,
                )
                yield Runtime(settings, core, redis_url, base_url)
        finally:
            await close_client(redis)
            await close_client(job_redis)


async def check_redis(url: str) -> None:
    """Ask Redis once, without the clients' reconnecting: a Redis that is away or refuses the
    password is reported within seconds, not after a minute of quiet retries."""
    probe = redis_client(
        url,
        max_connections=1,
        retry=Retry(NoBackoff(), 0),
        socket_connect_timeout=REDIS_CHECK_S,
        socket_timeout=REDIS_CHECK_S,
    )
    try:
        async with asyncio.timeout(REDIS_CHECK_S * 2):  # a cluster asks several nodes
            await probe.ping()
    except TimeoutError:
        raise RedisTimeoutError("Redis did not answer a PING in time") from None
    finally:
        await close_client(probe)


async def check_backend(http: httpx.AsyncClient, base_url: str) -> None:
    """The backend answers HTTP at all (any status will do): else OperatorError, at start."""
    try:
        await http.get(base_url, timeout=BACKEND_CHECK_S)
    except httpx.HTTPError as exc:
        host = urlsplit(base_url).hostname or base_url
        raise OperatorError(
            f"no route to the video backend at {host} ({type(exc).__name__})",
            "check NEMO_API_BASE and this machine's network; NEMO_API_BASE=local renders here",
        ) from exc


@asynccontextmanager
async def platforms_registered(
    runtime: Runtime,
    telegram: TelegramSettings | None = None,
    discord: DiscordSettings | None = None,
    *,
    ingress: frozenset[str] = frozenset(),
) -> AsyncIterator[list[IngressService]]:
    """Register the ports of each platform with a bot token on the core; start the ingress of
    those named in `ingress` ("telegram", "discord")."""
    started: list[IngressService] = []
    async with AsyncExitStack() as stack:
        if telegram is not None and telegram.bot_token is not None:
            from bots.telegram.service import TelegramService, opened_bot, telegram_ports

            http = await stack.enter_async_context(httpx.AsyncClient(timeout=60))
            bot = await stack.enter_async_context(opened_bot(telegram))
            runtime.core.platforms["telegram"] = telegram_ports(telegram, runtime.core, bot, http)
            if "telegram" in ingress:
                service = TelegramService(telegram, runtime.core, bot)
                await service.start()
                stack.push_async_callback(service.stop)
                started.append(service)
        if discord is not None and discord.bot_token is not None:
            from bots.discord.service import (
                DiscordService,
                discord_ports,
                make_client,
                point_at,
                token,
            )

            point_at(discord)
            http = await stack.enter_async_context(httpx.AsyncClient(timeout=60))
            client = make_client(discord)
            stack.push_async_callback(client.close)
            await client.login(token(discord))
            runtime.core.platforms["discord"] = discord_ports(runtime.core, client, http)
            if "discord" in ingress:
                gateway = DiscordService(discord, runtime.core, client)
                await gateway.start()
                stack.push_async_callback(gateway.stop)
                started.append(gateway)
        yield started


@asynccontextmanager
async def running_worker(
    core: Core,
    *,
    concurrency: int | None = None,
    grace_s: int = 25,
    around_turns: tuple[JobHook, JobHook] | None = None,
) -> AsyncIterator[None]:
    """Run saq workers for the core's jobs in this process until the block ends;
    `around_turns` runs before and after each turn (a bench times its slots with it)."""
    workers = core.workers(concurrency=concurrency, grace_s=grace_s)
    if around_turns is not None:
        workers[0].before_process, workers[0].after_process = [around_turns[0]], [around_turns[1]]
    tasks = []
    for worker in workers:
        worker.SIGNALS = []  # the process owns its signals; stopping is this block's job
        await worker.queue.connect()
        tasks.append(asyncio.create_task(worker.start()))
    try:
        yield
    finally:
        await asyncio.gather(*(worker.stop() for worker in workers))
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def wait_until_idle(core: Core, chat_key: str, poll_s: float = 0.2) -> None:
    """Return once the chat has nothing queued, running or rendering."""
    # The chat's state lives in Redis and may change in any process: poll it.
    while not await core.queue.idle(chat_key):  # noqa: ASYNC110
        await asyncio.sleep(poll_s)


def default_work_dir(settings: Settings) -> Path:
    return Path(settings.work_dir)
