"""``POST /run_sse``: one chat message to the simulated agent, answered as an event stream."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute

from engine.api import sse
from engine.api.routes import gated
from engine.api.routes.envelope import api, json_body
from engine.api.services import Services
from engine.errors import out_of_credits, session_not_found


def routes(services: Services) -> list[BaseRoute]:
    settings = services.settings

    @api
    async def run_sse(request: Request) -> Response:
        account = services.accounts.authenticate(request.headers.get("authorization"), "write")
        body = await json_body(request)
        session_id = body.get("session_id")
        if not isinstance(session_id, str):
            raise session_not_found("session_id is missing")
        session = services.sessions.use(session_id, account.user_id)
        if account.available <= 0 or account.available < settings.edit_cost:
            raise out_of_credits(account.available)
        run = services.agent.start(session, account, _text_of(body.get("new_message")))
        services.stats.count("sse_messages")
        return StreamingResponse(
            sse.stream(run, settings.sse_shape, settings.heartbeat_s),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return [gated(services, "sse", "/run_sse", run_sse, "POST")]


def _text_of(message: object) -> str:
    """The text parts of ``new_message`` joined; anything else in it is ignored."""
    if not isinstance(message, dict):
        return ""
    parts = message.get("parts")
    if not isinstance(parts, list):
        return ""
    texts = [part["text"] for part in parts if isinstance(part, dict) and "text" in part]
    return "\n".join(str(text) for text in texts)[:4000]
