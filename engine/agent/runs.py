"""The simulated agent: runs one chat message against a session, like the cloud's SSE agent.

A run is a background task, not part of the HTTP response: it reserves the credits, applies the
editor's outcome step by step (``think_s`` of simulated work per tool call), commits the draft
and charges the credits, whether or not anyone is still reading the stream. A client whose
stream drops can therefore poll the session state and see the edit land, as with the cloud.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from engine.agent.editor import EditLimits, chance, edit
from engine.agent.phrases import gui_hint, is_chinese
from engine.state.accounts import Account
from engine.state.sessions import Session

logger = logging.getLogger(__name__)
TEMPORARY_ISSUE = "I encountered a temporary issue. Please try again."
GUI_RATIO = 0.35  # how often a reply speaks as if the web editor were on screen


@dataclass(frozen=True)
class AgentEvent:
    """One thing the agent says on the stream."""

    kind: Literal["tool_call", "tool_result", "text"]
    name: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    text: str = ""


@dataclass(frozen=True)
class AgentTuning:
    """The agent's behaviour, from the engine settings."""

    limits: EditLimits
    think_s: float
    seed: int
    silent_ratio: float
    edit_cost: int


class AgentRun:
    """A message being worked on; `events` ends with None when the run is over."""

    def __init__(self) -> None:
        self.events: asyncio.Queue[AgentEvent | None] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None


class Agent:
    """Starts runs and keeps their tasks so shutdown can cancel them."""

    def __init__(self, tuning: AgentTuning) -> None:
        self._tuning = tuning
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, session: Session, account: Account, message: str) -> AgentRun:
        """Reserve the credits and begin; the caller has checked the balance."""
        cost = min(self._tuning.edit_cost, account.available)
        account.freeze(cost)
        run = AgentRun()
        task = asyncio.create_task(self._run(run, session, account, message, cost))
        run.task = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return run

    def is_silent(self, session_id: str, message: str) -> bool:
        """Whether an edit sends no text at all (about `silent_ratio` of them, seeded)."""
        return chance(self._tuning.seed, session_id, message, "silent") < self._tuning.silent_ratio

    def gui_phrase(self, session_id: str, message: str) -> int | None:
        """Which GUI sentence to append to a reply, if any (seeded)."""
        roll = chance(self._tuning.seed, session_id, message, "gui")
        return int(roll * 1000) if roll < GUI_RATIO else None

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run(
        self, run: AgentRun, session: Session, account: Account, message: str, cost: int
    ) -> None:
        charged = False
        try:
            async with session.agent_lock:
                previous = session.history[-1] if session.history else None
                outcome = edit(
                    message,
                    session.draft,
                    previous,
                    session.uploads,
                    self._tuning.limits,
                    session.language,
                )
                if not outcome.steps:
                    await asyncio.sleep(self._tuning.think_s)  # thinking before a plain reply
                for step in outcome.steps:
                    await run.events.put(AgentEvent("tool_call", step.name, step.args))
                    await asyncio.sleep(self._tuning.think_s)
                    await run.events.put(AgentEvent("tool_result", step.name, step.result))
                if outcome.undo:
                    session.undo()
                elif outcome.draft is not None:
                    session.commit(outcome.draft)
                account.charge(cost)
                charged = True
                reply = self._reply(outcome.reply, session, message, bool(outcome.steps))
                if reply:
                    await run.events.put(AgentEvent("text", text=reply))
        except Exception:
            # A bug in a rule must not leave the client waiting: say what the cloud says.
            logger.exception("agent run failed in session %s", session.session_id)
            await run.events.put(AgentEvent("text", text=TEMPORARY_ISSUE))
        finally:
            if not charged:
                account.release(cost)
            run.events.put_nowait(None)

    def _reply(self, reply: str, session: Session, message: str, edited: bool) -> str:
        if edited and self.is_silent(session.session_id, message):
            return ""
        hint = self.gui_phrase(session.session_id, message)
        if hint is not None and edited:
            chinese = is_chinese(message) or session.language.lower().startswith("zh")
            reply = f"{reply} {gui_hint(hint, chinese)}"
        return reply
