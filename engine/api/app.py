"""The engine's composition root: settings in, a Starlette app speaking the NemoVideo API out."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from engine.agent.editor import EditLimits
from engine.agent.runs import Agent, AgentTuning
from engine.api.routes import accounts, admin, agent, exports, sessions, uploads
from engine.api.services import Paths, Services
from engine.clock import Clock, SettableClock, SystemClock
from engine.faults import FaultBoard, FaultGate, Stats
from engine.render.backend import ffmpeg_backend
from engine.render.narration import EspeakNarrator, speech_ms
from engine.render.probe import ffmpeg_binary
from engine.settings import EngineSettings
from engine.state.accounts import Accounts
from engine.state.renders import RenderJobs, drop_guessable_files
from engine.state.sessions import Sessions
from engine.state.url_fetch import UrlFetcher, fetch_client


class EngineApp(Starlette):
    """The engine's ASGI app, with a hook to end open agent streams before a shutdown."""

    def __init__(self, services: Services) -> None:
        @asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            try:
                yield
            finally:
                await services.agent.aclose()
                await services.renders.aclose()
                await services.url_fetcher.aclose()

        super().__init__(routes=_routes(services), lifespan=lifespan)
        self._services = services

    async def drain(self) -> None:
        """End every agent run, closing its stream, so a shutdown need not wait for them."""
        await self._services.agent.aclose()


def create_app(
    settings: EngineSettings, clock: Clock | None = None, *, listen_base: str | None = None
) -> EngineApp:
    """Build the engine. With ``admin_enabled`` and no clock given, the clock can be moved.

    `listen_base` is the address the engine's socket was bound to (``http://host:port``, the
    port a real one when 0 was asked); without it, the settings' host and port.
    """
    if clock is None:
        clock = SettableClock() if settings.admin_enabled else SystemClock()
    paths = Paths(settings.data_dir.resolve())
    paths.create()
    for leftover in (paths.staging, paths.work):  # half-received files of an earlier run
        shutil.rmtree(leftover)
        leftover.mkdir()
    drop_guessable_files(paths.renders)
    ffmpeg = ffmpeg_binary(settings.ffmpeg_binary)
    narrator = EspeakNarrator() if settings.narration == "on" else None
    stats = Stats()
    accounts = Accounts(
        clock,
        anonymous_credits=settings.anonymous_credits,
        token_ttl_s=settings.token_ttl_s,
        tokens_per_ip_per_hour=settings.anonymous_tokens_per_ip_per_hour,
        registered=settings.registered_tokens,
    )
    if listen_base is None:
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        listen_base = f"http://{host}:{settings.port}"
    services = Services(
        settings=settings,
        public_base=(settings.public_url or listen_base).rstrip("/"),
        listen_base=listen_base,
        clock=clock,
        ffmpeg=ffmpeg,
        paths=paths,
        accounts=accounts,
        sessions=Sessions(clock, idle_s=settings.session_idle_s, seed=settings.seed),
        agent=Agent(
            AgentTuning(
                limits=EditLimits(
                    settings.default_duration_s,
                    settings.min_duration_s,
                    settings.max_duration_s,
                    speech_ms(narrator) if narrator is not None else None,
                ),
                think_s=settings.think_s,
                seed=settings.seed,
                silent_ratio=settings.silent_edit_ratio,
                edit_cost=settings.edit_cost,
            )
        ),
        renders=RenderJobs(
            ffmpeg_backend(settings, ffmpeg),
            clock,
            stats,
            workers=settings.render_workers,
            renders_dir=paths.renders,
            work_dir=paths.work,
        ),
        faults=FaultBoard(revoke=accounts.revoke, seed=settings.seed),
        stats=stats,
        url_fetcher=UrlFetcher(
            fetch_client(settings.url_upload_timeout_s),
            paths.staging,
            max_upload_mb=settings.max_upload_mb,
            timeout_s=settings.url_upload_timeout_s,
        ),
    )
    return EngineApp(services)


def _routes(services: Services) -> list[BaseRoute]:
    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    files = StaticFiles(directory=services.paths.files)
    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Mount("/files", FaultGate("files", files, services.faults, services.stats)),
    ]
    for module in (accounts, sessions, uploads, agent, exports):
        routes.extend(module.routes(services))
    if services.settings.admin_enabled:
        routes.extend(admin.routes(services))
    return routes
