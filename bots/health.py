"""Health and metrics on a small HTTP port: ``/healthz`` and ``/metrics`` (Prometheus).

``/healthz`` answers 200 when Redis answers, the backend is reachable and every adapter this
process runs is connected; 503 with the failing parts otherwise (a JSON body either way).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

import httpx
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.app import Core

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[bool]]
CHECK_TIMEOUT_S = 3.0


def redis_check(core: Core) -> Check:
    async def check() -> bool:
        return bool(await core.redis.ping())

    return check


def backend_check(base_url: str, http: httpx.AsyncClient) -> Check:
    """Reachable is enough: any HTTP answer, even a 404, means the backend is there."""

    async def check() -> bool:
        await http.get(base_url, timeout=CHECK_TIMEOUT_S)
        return True

    return check


def health_app(checks: Mapping[str, Check], core: Core) -> Starlette:
    async def healthz(request: Request) -> Response:
        results = await asyncio.gather(*(_run(check) for check in checks.values()))
        report = {name: "ok" if ok else "failing" for name, ok in zip(checks, results, strict=True)}
        return JSONResponse(report, status_code=200 if all(results) else 503)

    async def metrics(request: Request) -> Response:
        try:
            await core.sample_metrics()
        except Exception:
            log.warning("queue depth could not be sampled", exc_info=True)
        body = generate_latest(core.metrics.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return Starlette(routes=[Route("/healthz", healthz), Route("/metrics", metrics)])


async def _run(check: Check) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            return await check()
    except Exception:
        return False
