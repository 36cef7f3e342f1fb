"""Sessions and their state: ``/api/tasks/me/with-session/nemo_agent`` and ``.../latest``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from engine.agent.explainer import describe, orientation
from engine.api.routes import gated
from engine.api.routes.envelope import api, json_body, ok
from engine.api.services import Services
from engine.state.sessions import Session, Upload


def routes(services: Services) -> list[BaseRoute]:
    @api
    async def create(request: Request) -> Response:
        account = services.accounts.authenticate(request.headers.get("authorization"), "write")
        body = await json_body(request)
        language = str(body.get("language") or "en")[:20]
        session = services.sessions.create(account.user_id, language)
        return ok(
            {
                "task_id": session.task_id,
                "session_id": session.session_id,
                "user_id": account.user_id,
            }
        )

    @api
    async def latest(request: Request) -> Response:
        account = services.accounts.authenticate(request.headers.get("authorization"), "read")
        session = services.sessions.use(request.path_params["sid"], account.user_id)
        generated = [
            {"id": job.id, "type": "video", "url": services.render_url(job)}
            for job in services.renders.completed_for(session.session_id)
        ]
        state = _state(session)
        state["generated_media"] = generated
        return ok({"session_id": session.session_id, "task_id": session.task_id, "state": state})

    return [
        gated(services, "session", "/api/tasks/me/with-session/nemo_agent", create, "POST"),
        gated(services, "state", "/api/state/nemo_agent/me/{sid}/latest", latest, "GET"),
    ]


def _state(session: Session) -> dict[str, Any]:
    meta = session.draft["m"]
    return {
        "draft": session.draft,
        "video_infos": [upload.describe() for upload in session.uploads],
        "canvas_config": {
            "width": meta.get("width", 1920),
            "height": meta.get("height", 1080),
            "aspect": meta.get("aspect", "16:9"),
        },
        "video_analyses": [_analysis(upload) for upload in session.uploads],
    }


def _analysis(upload: Upload) -> dict[str, Any]:
    if upload.file_type == "audio":
        summary = f"audio, {round(upload.duration or 0)} seconds"
    else:
        summary = describe(upload, chinese=False)
    return {
        "filename": upload.filename,
        "file_type": upload.file_type,
        "orientation": orientation(upload.width, upload.height, chinese=False)
        if upload.width
        else None,
        "colours": upload.colours,
        "summary": summary,
    }
