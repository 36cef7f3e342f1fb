"""Agent events as Server-Sent Events, in the three shapes clients must tolerate.

- ``reference`` (the vendor's API reference): ``{"type": "text"|"tool_call"|"tool_result"|...}``;
- ``adk`` (agent-framework): ``{"content": {"parts": [{"text"}|{"functionCall"}|...]}}``;
- ``plain``: text as plain ``data:`` lines, tool events in the reference shape.

There is no end event: the stream closing is the end.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, Literal

from engine.agent.runs import AgentEvent, AgentRun

Shape = Literal["reference", "adk", "plain"]
KEEP_ALIVE = b": keep-alive\n\n"


def _data(payload: Any) -> bytes:
    return b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n"


def encode(event: AgentEvent, shape: Shape) -> bytes:
    """One event, framed."""
    if shape == "adk":
        return _data({"content": {"role": "model", "parts": [_adk_part(event)]}})
    if shape == "plain" and event.kind == "text":
        lines = event.text.splitlines() or [""]
        return b"".join(b"data: " + line.encode() + b"\n" for line in lines) + b"\n"
    if event.kind == "text":
        return _data({"type": "text", "content": event.text})
    key = "args" if event.kind == "tool_call" else "result"
    return _data({"type": event.kind, "name": event.name, key: event.payload})


def _adk_part(event: AgentEvent) -> dict[str, Any]:
    if event.kind == "text":
        return {"text": event.text}
    if event.kind == "tool_call":
        return {"functionCall": {"name": event.name, "args": event.payload}}
    return {"functionResponse": {"name": event.name, "response": event.payload}}


def heartbeat(shape: Shape) -> bytes:
    """A comment line and a heartbeat event (an empty ``data:`` outside the reference shape)."""
    if shape == "reference":
        return KEEP_ALIVE + _data({"type": "heartbeat"})
    return KEEP_ALIVE + b"data: \n\n"


async def stream(run: AgentRun, shape: Shape, heartbeat_s: float) -> AsyncIterator[bytes]:
    """The run's events as they come, with a heartbeat whenever `heartbeat_s` passes quietly."""
    while True:
        try:
            event = await asyncio.wait_for(run.events.get(), heartbeat_s)
        except TimeoutError:
            yield heartbeat(shape)
            continue
        if event is None:
            return
        yield encode(event, shape)
