"""Export: ``/api/render/proxy/lambda`` submit, poll and cancel, and the download fallback.

These endpoints answer ``{"success": ...}`` rather than the ``code`` envelope. The poll answer
comes in the reference shape (``data.outputUrl``) or the seed shape (top-level ``status`` and
``output.url``), as ``settings.render_shape`` says.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute

from engine.draft import ASPECTS, Draft, Meta, is_exportable
from engine.errors import HttpRefusal, RenderRefused
from engine.renders import RenderJob
from engine.routes import gated
from engine.routes.envelope import json_body, render_api, render_ok
from engine.services import Services

ATTRIBUTION = ("x-skill-source", "x-skill-version", "x-skill-platform")
_RENDER_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


def routes(services: Services) -> list[BaseRoute]:
    settings = services.settings

    def authenticate(request: Request) -> str:
        header = request.headers.get("authorization")
        return services.accounts.authenticate(header, "render").user_id

    def output_url(request: Request, job: RenderJob) -> str | None:
        if job.status != "completed":
            return None
        return f"{services.public_base(request)}/files/renders/{job.id}.mp4"

    def answer(request: Request, job: RenderJob) -> Response:
        data = job.describe(output_url(request, job), settings.render_shape)
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
        draft = _draft_of(body.get("draft"))
        resolver = services.media_resolver(request, user_id)
        job = services.renders.submit(job_id, session.session_id, user_id, draft, resolver)
        return render_ok({"id": job.id, "status": job.status, "progress": job.progress})

    @render_api
    async def poll(request: Request) -> Response:
        job = services.renders.get(request.path_params["id"], authenticate(request))
        return answer(request, job)

    @render_api
    async def cancel(request: Request) -> Response:
        job = services.renders.cancel(request.path_params["id"], authenticate(request))
        return answer(request, job)

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


def _draft_of(raw: Any) -> Draft:
    """The submitted draft (an object, or the same as a JSON string), checked for export."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise RenderRefused(400, "'draft' is not valid JSON") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("t"), list):
        raise RenderRefused(400, "'draft' must be an object with a track list 't'")
    if not all(isinstance(track, dict) for track in raw["t"]):
        raise RenderRefused(400, "every track of the draft must be an object")
    draft: Draft = {"t": raw["t"], "d": int(raw.get("d") or 0), "m": _meta_of(raw.get("m"))}
    if not is_exportable(draft):
        raise RenderRefused(400, "the draft is empty: no track has any segment to render")
    return draft


def _meta_of(raw: Any) -> Meta:
    """The canvas of the draft; a missing size comes from the aspect (16:9 by default)."""
    given = raw if isinstance(raw, dict) else {}
    aspect = str(given.get("aspect") or "16:9")
    width, height = ASPECTS.get(aspect, ASPECTS["16:9"])
    meta: Meta = {"aspect": aspect, "width": width, "height": height}
    if isinstance(given.get("width"), int) and isinstance(given.get("height"), int):
        meta["width"], meta["height"] = given["width"], given["height"]
    if isinstance(given.get("title"), str):
        meta["title"] = given["title"]
    return meta
