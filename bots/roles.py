"""The long-running roles: `run` (everything), `worker` (jobs only), `telegram` and `discord`
(ingress only).

Every role registers the ports of each configured platform, because any worker may deliver any
chat's events; only ingress roles receive updates.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Protocol

import httpx

from bots.failures import OperatorError
from bots.health import Check, backend_check, health_app, redis_check
from bots.http_server import serve
from bots.runtime import Runtime, open_runtime, running_worker
from core.settings import Settings

log = logging.getLogger(__name__)


class IngressService(Protocol):
    name: str

    def healthy(self) -> bool: ...

    async def ended(self) -> None: ...  # returns or raises when it stops by itself


@asynccontextmanager
async def platforms_registered(
    runtime: Runtime, *, ingress: frozenset[str] = frozenset()
) -> AsyncIterator[list[IngressService]]:
    """Register each configured platform's ports on the core; start the ingress of those named
    in `ingress` ("telegram", "discord")."""
    settings = runtime.settings
    started: list[IngressService] = []
    async with AsyncExitStack() as stack:
        if settings.telegram_bot_token is not None:
            from bots.telegram.service import TelegramService, make_bot, telegram_ports

            http = await stack.enter_async_context(httpx.AsyncClient(timeout=60))
            bot = make_bot(settings)
            await bot.initialize()
            stack.push_async_callback(bot.shutdown)
            runtime.core.platforms["telegram"] = telegram_ports(settings, runtime.core, bot, http)
            if "telegram" in ingress:
                service = TelegramService(settings, runtime.core, bot)
                await service.start()
                stack.push_async_callback(service.stop)
                started.append(service)
        if settings.discord_bot_token is not None:
            from bots.discord.service import (
                DiscordService,
                discord_ports,
                make_client,
                point_at,
                token,
            )

            point_at(settings)
            http = await stack.enter_async_context(httpx.AsyncClient(timeout=60))
            client = make_client(settings)
            stack.push_async_callback(client.close)
            await client.login(token(settings))
            runtime.core.platforms["discord"] = discord_ports(runtime.core, client, http)
            if "discord" in ingress:
                gateway = DiscordService(settings, runtime.core, client)
                await gateway.start()
                stack.push_async_callback(gateway.stop)
                started.append(gateway)
        yield started


async def run_role(settings: Settings, *, ingress: frozenset[str], workers: bool) -> int:
    """Run until SIGTERM or SIGINT; in-flight jobs are handed back to other workers."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with (
        open_runtime(settings, {}) as runtime,
        platforms_registered(runtime, ingress=ingress) as services,
        httpx.AsyncClient() as probe_http,
    ):
        if ingress and not services:
            log.error("no chat platform is configured: set TELEGRAM_BOT_TOKEN or DISCORD_BOT_TOKEN")
            return 2
        checks: dict[str, Check] = {
            "redis": redis_check(runtime.core),
            "backend": backend_check(runtime.nemo_base_url, probe_http),
        }
        for service in services:
            checks[service.name] = _as_check(service)
        served = None
        if settings.health_port:
            app = health_app(checks, runtime.core)
            served = await serve(
                app, settings.health_listen, settings.health_port, setting="HEALTH_PORT"
            )
        ready = {"ingress": sorted(ingress), "workers": workers}
        try:
            if workers:
                async with running_worker(runtime.core):
                    log.info("ready", extra=ready)
                    await until_stopped(stop, services)  # then: stop taking jobs, hand back
            else:
                log.info("ready", extra=ready)
                await until_stopped(stop, services)
        finally:
            if served is not None:
                await served.stop()
    return 0


async def until_stopped(stop: asyncio.Event, services: list[IngressService]) -> None:
    """Wait for SIGTERM, or for an ingress that stops by itself: its error (a token revoked
    while running) ends the role, to be told in one line; an ingress that ends quietly is an
    OperatorError of its own, since the role is then of no use."""
    waits = {asyncio.create_task(service.ended()): service for service in services}
    stopping = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait([stopping, *waits], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (stopping, *waits):
            task.cancel()
    for task, service in waits.items():
        if task in done:
            task.result()
            raise OperatorError(
                f"the {service.name} ingress stopped by itself",
                "run it again with -v and read the log above",
            )


def _as_check(service: IngressService) -> Check:
    async def check() -> bool:
        return service.healthy()

    return check
