"""The video backend as the core uses it: identities and tokens, one session per chat, the calls
with their documented recoveries, and what a draft says. `nemo` is the wire client."""

from __future__ import annotations

from core.backend.calls import Access, Backend, may_have_run
from core.backend.identity import Credentials, Identities
from core.backend.sessions import Sessions
from core.backend.timeline import canvas_and_duration, is_exportable, summarise

__all__ = [
    "Access",
    "Backend",
    "Credentials",
    "Identities",
    "Sessions",
    "canvas_and_duration",
    "is_exportable",
    "may_have_run",
    "summarise",
]
