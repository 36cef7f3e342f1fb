"""How the core asks for work to happen later, on any worker (implemented over saq)."""

from __future__ import annotations

from typing import Protocol


class Scheduler(Protocol):
    async def start_turn(self, chat_key: str, token: str, *, part: int = 0) -> None:
        """Run (or resume) the chat's turn owned by `token`."""
        ...

    async def render_step(self, export_id: str, *, delay_s: float = 0.0, step: int = 0) -> None:
        """Advance an export (submit, poll, deliver) after `delay_s`."""
        ...
