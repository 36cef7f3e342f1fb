"""Export: ``/api/render/proxy/lambda`` submit, poll and cancel, and the download fallback.

These endpoints answer ``{"success": ...}`` rather than the ``code`` envelope. The poll answer
comes in the reference shape (``data.outputUrl``) or the seed shape (top-level ``status`` and
``output.url``), as ``settings.render_shape`` says.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute

from engine.api.routes import gated
from engine.api.routes.envelope import json_body, render_api, render_ok
from engine.api.services import Services
from engine.errors import HttpRefusal, RenderRefused
from engine.render.intake import draft_of
from engine.state.renders import RenderJob

ATTRIBUTION = ("x-skill-source", "x-skill-version", "x-skill-platform")
_RENDER_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


def routes(services: Services) -> list[BaseRoute]:
    settings = services.settings

    def authenticate(request: Request) -> str:
        header = request.headers.get("authorization")
        return services.accounts.authenticate(header, "render").user_id

    def answer(job: RenderJob) -> Response:
        data = job.describe(services.render_url(job), settings.render_shape)
        if settings.render_shape == "seed":
            return JSONResponse({"success": True, **data})
        return render_ok(data)

    @render_api
    async def submit(request: Request) -> Response:
        user_id = authenticate(request)
        missing = [name for name in ATTRIBUTION if not request.headers.get(name)]
        if missing:
            raise HttpRefusal(402, f"export needs the attribution headers: {', '.join(missing)}")
        body = await json_body(request)
        job_id = body.get("id")
        if not isinstance(job_id, str) or not _RENDER_ID.fullmatch(job_id):
            raise RenderRefused(400, "'id' must be 1-128 letters, digits, '_' or '-'")
        output = body.get("output") or {}
        if isinstance(output, dict) and output.get("format", "mp4") != "mp4":
            raise RenderRefused(400, "only mp4 output is supported")
        session = services.sessions.use(str(body.get("sessionId", "")), user_id)
        draft = draft_of(body.get("draft"), round(settings.max_duration_s * 1000))
        resolver = services.media_resolver(user_id)
        job = services.renders.submit(job_id, session.session_id, user_id, draft, resolver)
        return render_ok({"id": job.id, "status": job.status, "progress": job.progress})

    @render_api
    async def poll(request: Request) -> Response:
        job = services.renders.get(request.path_params["id"], authenticate(request))
        return answer(job)

    @render_api
    async def cancel(request: Request) -> Response:
        job = services.renders.cancel(request.path_params["id"], authenticate(request))
        return answer(job)

    @render_api
    async def download(request: Request) -> Response:
        job = services.renders.get(request.path_params["id"], authenticate(request))
        if job.status != "completed" or job.output is None:
            raise RenderRefused(409, f"the render is {job.status}, not completed")
        return FileResponse(job.output, media_type="video/mp4", filename=f"{job.id}.mp4")

    lambda_path = "/api/render/proxy/lambda"
    return [
        gated(services, "render_submit", lambda_path, submit, "POST"),
        gated(services, "render_poll", f"{lambda_path}/{{id}}", poll, "GET"),
        gated(services, "render_cancel", f"{lambda_path}/{{id}}/cancel", cancel, "POST"),
        gated(services, "download", "/api/render/proxy/{id}/download", download, "GET"),
    ]
