"""Reading the agent's SSE stream line by line.

httpx-sse's ``aiter_sse()`` drops comment lines, and comments are how the backend sends
heartbeats, so lines are read here and fed to httpx-sse's own event decoder; a comment becomes a
heartbeat event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
from httpx_sse._decoders import SSEDecoder

from core.nemo.models import AgentEvent, EventKind
from core.nemo.shapes import agent_events


@dataclass
class StreamCursor:
    """Where a stream got to: the last event id, for a reconnect with Last-Event-ID."""

    last_event_id: str = ""
    events: int = 0


async def read_agent_events(
    response: httpx.Response, cursor: StreamCursor
) -> AsyncIterator[AgentEvent]:
    decoder = SSEDecoder()
    async for raw in response.aiter_lines():
        line = raw.rstrip("\r\n")
        if line.startswith(":"):
            yield AgentEvent(EventKind.HEARTBEAT)
            continue
        event = decoder.decode(line)
        if event is None:
            continue
        cursor.events += 1
        if event.id:
            cursor.last_event_id = event.id
        for item in agent_events(event.data):
            yield item
