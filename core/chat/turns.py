"""A chat's turn: its messages run in order, one at a time, under the chat's lease.

A turn takes the next message (or resumes the one a dead worker left), runs it through the
conversation, and goes on until the inbox is empty, when the lease is released atomically. A
message whose render is under way ends the turn without releasing the lease: the export job
hands the chat back when the video is out. A long turn hands itself over to a fresh job so no
job outlives saq's timeout.

The lease is renewed on a timer for as long as a message runs, not as the agent's stream
flows: a quiet stream, a slow first byte or a backend's retries can outlast the lease, and a
lapsed lease lets the janitor start a second turn that cuts the first one's answer off. When a
renewal finds the chat owned by another turn, the message stops (`LeaseLost`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from core.backend.sessions import remembering_sessions
from core.chat.conversation import Conversation
from core.errors import WorkCancelled
from core.events import Problem
from core.exports import RenderJobs
from core.jobs import Scheduler
from core.languages import backend_language, language_of
from core.metrics import Metrics
from core.outbound import Notifier, Reporter
from core.repeating import ClaimLost, renewed
from core.store import REDIS_ERRORS, ChatQueue, ChatSettings
from core.texts import text
from core.work import Phase, Work

log = logging.getLogger(__name__)

# Each time the queue hands a message over to run, its attempts are counted (in the same
# script): a message that keeps killing workers is skipped once it has had `max_attempts`.


class LeaseLost(ClaimLost):
    """Another turn owns the chat now (this worker was presumed dead): stop quietly."""


@dataclass(frozen=True)
class TurnConfig:
    default_language: str = "en"
    budget_s: float = 600.0  # hand over to a fresh job after this long
    max_attempts: int = 3  # a message that keeps killing workers is skipped after this
    tick_s: float = 2.0
    lease_s: float = 60.0  # the chat's lease, renewed every third of it while a message runs


class _Context:
    """The WorkContext a running message sees."""

    def __init__(self, queue: ChatQueue, work: Work, token: str, tick_s: float) -> None:
        self._queue = queue
        self._work = work
        self._token = token
        self._tick_s = tick_s
        self._last = time.monotonic()

    async def checkpoint(self) -> None:
        await self._queue.save(self._work.chat_key, self._work.message_id, self._work.to_json())

    async def tick(self) -> None:
        now = time.monotonic()
        if now - self._last < self._tick_s:
            return
        self._last = now
        if await self._queue.is_cancelled(self._work.chat_key, self._work.message_id):
            raise WorkCancelled("cancelled by the user")

    async def renew_lease(self) -> bool:
        """False once another turn owns the chat; a Redis error keeps the lease till it ends."""
        try:
            return await self._queue.extend(self._work.chat_key, self._token)
        except REDIS_ERRORS:
            log.warning("lease renewal failed; trying again", extra={"chat": self._work.chat_key})
            return True


class Turns:
    def __init__(
        self,
        queue: ChatQueue,
        conversation: Conversation,
        renders: RenderJobs,
        notifier: Notifier,
        reporter: Reporter,
        chat_settings: ChatSettings,
        scheduler: Scheduler,
        metrics: Metrics,
        config: TurnConfig,
    ) -> None:
        self._metrics = metrics
        self._queue = queue
        self._conversation = conversation
        self._renders = renders
        self._notifier = notifier
        self._reporter = reporter
        self._chat_settings = chat_settings
        self._scheduler = scheduler
        self._config = config

    async def run(self, chat_key: str, token: str, part: int = 0) -> None:
        started = time.monotonic()
        finished: str | None = None
        while True:
            step = await self._queue.next(chat_key, token, finished)
            if step.kind in ("lost", "idle"):
                return
            if time.monotonic() - started > self._config.budget_s:
                await self._queue.give_back_attempt(chat_key, step.message_id)
                await self._scheduler.start_turn(chat_key, token, part=part + 1)
                return
            finished = step.message_id
            if not step.work_json:
                continue  # the record expired: nothing left to do for it
            work = Work.from_json(step.work_json)
            work.attempts = step.attempts
            if not work.inbound.settings_scope:  # the chat's own settings: read with the step
                work.notes["aspect"] = step.aspect
            if step.progress_ref and not work.progress_ref:
                work.progress_ref = step.progress_ref
            if not work.started_at:
                chosen = step.language
                if work.inbound.settings_scope:  # shared wider than the chat: read it there
                    chosen = await self._chosen_language(work)
                self._begin(work, chosen)
            if not await self._run_message(work, token):
                return  # a render job owns the message and will hand the chat back

    async def answer_now(self, work: Work, token: str, chosen_language: str) -> None:
        """Answer a message that needs no backend in this process, without a job.

        The push that queued it took the chat's lease (`token`): nothing else runs in the chat.
        The message stays in the chat's inbox until it is answered; were this process to die
        first, the janitor finds the chat once the lease lapses and a turn answers it. What
        came in meanwhile goes to a turn job, under the same lease.
        """
        if work.inbound.settings_scope:  # shared wider than the chat: read it there
            chosen_language = await self._chosen_language(work)
        self._begin(work, chosen_language)
        await self._run_message(work, token)
        step = await self._queue.next(work.chat_key, token, work.message_id)
        if step.kind in ("next", "resume"):
            await self._scheduler.start_turn(work.chat_key, token)

    async def _run_message(self, work: Work, token: str) -> bool:
        if work.phase is Phase.RENDERING and work.render_id:
            if await self._renders.adopt(work.render_id, token):
                return False
            work.phase = Phase.DELIVERED  # the export ended before it could hand back
        work.notes["turn"] = token  # its attempt was counted as the queue handed it over
        context = _Context(self._queue, work, token, self._config.tick_s)
        if work.attempts > self._config.max_attempts:
            log.error("message skipped after repeated failures", extra={"chat": work.chat_key})
            await self._notifier.problem(
                work, Problem("gave_up", text("problem.gave_up", work.language))
            )
            return True
        try:
            lost = LeaseLost(work.chat_key)
            async with renewed(self._config.lease_s / 3, context.renew_lease, lost):
                with remembering_sessions():
                    finished = await self._conversation.run(work, context)
            if finished:
                await self._notifier.close(work)
            self._metrics.jobs.labels(work.intent.value, "done" if finished else "exporting").inc()
            return finished
        except LeaseLost:
            log.warning(
                "lease lost; another worker resumes the chat", extra={"chat": work.chat_key}
            )
            return False
        except Exception as exc:  # a bug must not stall the chat: say so and move on
            log.exception("message failed", extra={"chat": work.chat_key})
            self._metrics.jobs.labels(work.intent.value, "failed").inc()
            await self._reporter.report(work, exc)
            return True

    async def _chosen_language(self, work: Work) -> str:
        settings, sender = work.inbound.settings_key, work.inbound.sender.id
        return await self._chat_settings.language(settings, sender) or ""

    def _begin(self, work: Work, chosen_language: str) -> None:
        """The reply language: the sender's choice here, else the chat's, else the platform's
        language when the bot speaks it, else the configured default. The backend session is
        created in the chosen language, else in the platform's (the backend may speak one the
        bot has no catalog for)."""
        code = work.inbound.language or self._config.default_language
        work.language = chosen_language or language_of(code, self._config.default_language)
        spoken = chosen_language or code
        work.notes["session_language"] = backend_language(spoken, self._config.default_language)
        work.started_at = time.time()
