"""Listening to the agent for one message: texts kept, tool chatter dropped, silence noticed.

Heartbeats (comments or empty ``data:``) mean "keep waiting"; after each `still_working_s` of
them the user is told "⏳ Still working...". Ten minutes with nothing but heartbeats means the
backend has stalled, and the whole stream is capped at `max_s` (15 minutes). A stream that drops
is reconnected with Last-Event-ID when the backend gave ids (three times at most).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field

from core.backend.nemo.client import NemoClient
from core.backend.nemo.models import EventKind
from core.backend.nemo.sse import StreamCursor
from core.errors import StreamInterrupted

STALL_S = 600.0
RECONNECTS = 3
RECONNECT_WAIT_S = 2.0


@dataclass
class Heard:
    """What the agent said during one message."""

    texts: list[str] = field(default_factory=list)
    tool_calls: int = 0

    @property
    def text(self) -> str:
        return "\n".join(t.strip() for t in self.texts if t.strip())


@dataclass(frozen=True)
class StreamLimits:
    max_s: float = 15 * 60
    still_working_s: float = 120.0
    stall_s: float = STALL_S
    check_every_s: float = 1.0  # how often cancel and the job heartbeat are checked


class StreamStalled(StreamInterrupted):
    """Only heartbeats for too long: the backend has stalled on this message."""


async def listen(
    client: NemoClient,
    token: str,
    session_id: str,
    message: str,
    limits: StreamLimits,
    *,
    on_still_working: Callable[[], Awaitable[None]],
    on_tick: Callable[[], Awaitable[None]],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Heard:
    """Send `message` and gather what the agent says until the stream closes.

    `on_tick` runs at most every `check_every_s` while events flow (cancel check, job heartbeat:
    it may raise to stop). Raises StreamInterrupted when the stream drops for good.
    """
    heard = Heard()
    cursor = StreamCursor()
    last_content = last_notice = last_tick = time.monotonic()
    reconnects = 0
    async with asyncio.timeout(limits.max_s):
        while True:
            try:
                events = client.run_message(token, session_id, message, cursor)
                async with aclosing(events):
                    async for event in events:
                        now = time.monotonic()
                        if event.kind is EventKind.TEXT:
                            heard.texts.append(event.text)
                            last_content = now
                        elif event.kind is EventKind.HEARTBEAT:
                            if now - last_content >= limits.stall_s:
                                raise StreamStalled("only heartbeats for ten minutes")
                            quiet = min(now - last_content, now - last_notice)
                            if quiet >= limits.still_working_s:
                                last_notice = now
                                await on_still_working()
                        else:
                            heard.tool_calls += 1
                            last_content = now
                        if now - last_tick >= limits.check_every_s:
                            last_tick = now
                            await on_tick()
                return heard
            except StreamStalled:
                raise
            except StreamInterrupted:
                if not cursor.last_event_id or reconnects >= RECONNECTS:
                    raise
                reconnects += 1
                await sleep(RECONNECT_WAIT_S)
