"""How the core asks for work to happen later, on any worker (implemented over saq)."""

from __future__ import annotations

from typing import Protocol


class Scheduler(Protocol):
    async def start_turn(self, chat_key: str, token: str, *, part: int = 0) -> None:
        """Run (or resume) the chat's turn owned by `token`."""
        ...

    async def render_step(
        self, export_id: str, *, step: int, delay_s: float = 0.0, recheck: bool = False
    ) -> None:
        """Run the export's step number `step` (submit, poll or deliver) after `delay_s`.
        `recheck`: another look at the step, under a job key of its own, for when the step's
        own job may still exist (running elsewhere, or waiting for its time)."""
        ...
