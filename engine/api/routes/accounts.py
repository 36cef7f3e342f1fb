"""Tokens and credits: ``/api/auth/anonymous-token`` and ``/api/credits/balance/simple``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from engine.api.routes import gated
from engine.api.routes.envelope import api, ok
from engine.api.services import Services
from engine.clock import iso
from engine.errors import HttpRefusal


def routes(services: Services) -> list[BaseRoute]:
    @api
    async def anonymous_token(request: Request) -> Response:
        client_id = request.headers.get("x-client-id", "").strip()
        if not client_id:
            raise HttpRefusal(400, "missing X-Client-Id header")
        ip = request.client.host if request.client else "unknown"
        grant = services.accounts.issue_anonymous(client_id[:200], ip)
        services.stats.count("tokens_issued")
        assert grant.expires_at is not None
        return ok(
            {
                "token": grant.token,
                "user_id": grant.account.user_id,
                "expires_at": iso(grant.expires_at),
                "credits": grant.account.available,
            }
        )

    @api
    async def balance(request: Request) -> Response:
        account = services.accounts.authenticate(request.headers.get("authorization"), "read")
        return ok(
            {"available": account.available, "frozen": account.frozen, "total": account.total}
        )

    return [
        gated(services, "token", "/api/auth/anonymous-token", anonymous_token, "POST"),
        gated(services, "credits", "/api/credits/balance/simple", balance, "GET"),
    ]
