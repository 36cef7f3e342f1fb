"""Test hooks under ``/_admin``, mounted only with ``settings.admin_enabled``.

``POST /_admin/faults`` arms a fault, ``DELETE /_admin/faults`` clears them, ``POST
/_admin/clock`` moves a settable clock, ``GET /_admin/stats`` returns the call counters.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from engine.api.routes.envelope import api, json_body, ok
from engine.api.services import Services
from engine.clock import SettableClock, iso
from engine.errors import HttpRefusal
from engine.faults import Fault


def routes(services: Services) -> list[BaseRoute]:
    @api
    async def arm(request: Request) -> Response:
        body = await json_body(request)
        try:
            fault = Fault(
                endpoint=str(body.get("endpoint")),
                mode=str(body.get("mode")),
                times=int(body.get("times", 1)),
                after_events=int(body.get("after_events", 0)),
                stall_s=float(body.get("stall_s", 5.0)),
                chance=float(body.get("chance", 1.0)),
            )
        except (TypeError, ValueError) as exc:
            raise HttpRefusal(400, str(exc)) from exc
        services.faults.arm(fault)
        return ok({"armed": services.faults.armed()})

    @api
    async def clear(request: Request) -> Response:
        services.faults.clear()
        return ok({"armed": []})

    @api
    async def move_clock(request: Request) -> Response:
        body = await json_body(request)
        if not isinstance(services.clock, SettableClock):
            raise HttpRefusal(409, "this engine runs on a clock that cannot be moved")
        try:
            services.clock.advance(float(body.get("advance_s", 0)))
        except (TypeError, ValueError) as exc:
            raise HttpRefusal(400, "'advance_s' must be a number of seconds") from exc
        return ok({"now": iso(services.clock.now())})

    @api
    async def stats(request: Request) -> Response:
        return ok(services.stats.snapshot())

    return [
        Route("/_admin/faults", arm, methods=["POST"]),
        Route("/_admin/faults", clear, methods=["DELETE"]),
        Route("/_admin/clock", move_clock, methods=["POST"]),
        Route("/_admin/stats", stats, methods=["GET"]),
    ]
