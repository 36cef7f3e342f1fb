"""The long-running roles: `run` (everything), `worker` (jobs only), `telegram` and `discord`
(ingress only).

Every role registers the ports of each configured platform, because any worker may deliver any
chat's events; only ingress roles receive updates.
"""

from __future__ import annotations

import asyncio
import logging
import signal

import httpx

from bots.failures import OperatorError
from bots.health import Check, backend_check, health_app, redis_check
from bots.http_server import serve
from bots.runtime import IngressService, open_runtime, platforms_registered, running_worker
from bots.settings import ProcessSettings

log = logging.getLogger(__name__)


async def run_role(process: ProcessSettings, *, ingress: frozenset[str], workers: bool) -> int:
    """Run until SIGTERM or SIGINT; in-flight jobs are handed back to other workers."""
    settings = process.core
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with (
        open_runtime(settings, {}, needs_backend=workers) as runtime,
        platforms_registered(
            runtime, process.telegram, process.discord, ingress=ingress
        ) as services,
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
