"""The HTTP routes of the engine, one module per area of the API.

Each module's ``routes(services)`` returns its Starlette routes, every API route wrapped in a
`engine.faults.FaultGate` named for the fault-injection endpoint it answers to.
"""

from __future__ import annotations

from starlette.routing import Route, request_response
from starlette.types import ASGIApp

from engine.api.routes.envelope import Handler
from engine.api.services import Services
from engine.faults import FaultGate


def gated(services: Services, endpoint: str, path: str, handler: Handler, method: str) -> Route:
    """A route whose calls are counted and can be made to fail on demand."""
    app: ASGIApp = request_response(handler)
    gate = FaultGate(endpoint, app, services.faults, services.stats)
    return Route(path, gate, methods=[method])
