"""Reading the agent's SSE stream line by line.

httpx-sse's ``aiter_sse()`` drops comment lines, and comments are how the backend sends
heartbeats, so lines are read here and fed to httpx-sse's own event decoder; a comment becomes a
heartbeat event. Lines are split by httpx-sse's line decoder, not httpx's ``aiter_lines()``: that
one also breaks at U+2028, U+0085 and the like, which JSON leaves unescaped inside a string, and
so would cut an agent's text event in two.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
from httpx_sse._decoders import SSEDecoder, SSELineDecoder

from core.backend.nemo.models import AgentEvent, EventKind
from core.backend.nemo.shapes import agent_events


@dataclass
class StreamCursor:
    """Where a stream got to: the last event id, for a reconnect with Last-Event-ID."""

    last_event_id: str = ""
    events: int = 0


async def read_agent_events(
    response: httpx.Response, cursor: StreamCursor
) -> AsyncIterator[AgentEvent]:
    decoder = SSEDecoder()
    async for line in _lines(response):
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


async def _lines(response: httpx.Response) -> AsyncIterator[str]:
    """The body's lines, split at CR, LF or CRLF only (the SSE rule), whatever the chunking."""
    splitter = SSELineDecoder()
    async for text in response.aiter_text():
        for line in splitter.decode(text):
            yield line
    for line in splitter.flush():
        yield line
