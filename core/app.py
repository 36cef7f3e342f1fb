"""The core's service face: adapters call `submit`, workers run `workers()`. Built by
`core.bootstrap`."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, replace

from redis.asyncio import Redis
from saq import Worker

from core.backend import Backend
from core.chat import Turns
from core.events import Problem, Stage
from core.exports import RenderJobs
from core.fair_use import FairUse
from core.intents import ANSWERED_AT_ONCE, Intent, route
from core.jobs import JobContext, JobLimits, JobQueue, SaqScheduler, build_worker
from core.languages import language_of
from core.messages import Inbound
from core.metrics import Metrics
from core.outbound import Notifier, Reporter
from core.ports import PlatformPorts
from core.settings import Settings
from core.store import SEEN_TTL_S, ChatQueue, ChatSettings, Keys
from core.texts import human_duration, text
from core.work import Work

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submitted:
    duplicate: bool = False
    ahead: int = 0
    intent: Intent | None = None
    refused: str = ""  # the list or limit that refused the message, if one did


@dataclass(eq=False, repr=False)  # a service: compared by identity, never printed
class Core:
    """The product's services, and what adapters and workers call on them: `submit` a message,
    take a delivery once, restart stranded chats, build the workers. `core.bootstrap` builds
    it; it holds no chat state itself (that lives in Redis)."""

    settings: Settings
    metrics: Metrics
    keys: Keys
    job_limits: JobLimits
    redis: Redis
    job_queue: JobQueue
    export_queue: JobQueue
    platforms: dict[str, PlatformPorts]  # shared with the notifier: adapters may register late
    backend: Backend
    queue: ChatQueue
    scheduler: SaqScheduler
    notifier: Notifier
    chat_settings: ChatSettings
    fair_use: FairUse
    reporter: Reporter
    renders: RenderJobs
    turns: Turns

    def classify(self, inbound: Inbound) -> Intent:
        return route(
            inbound.text, has_attachments=bool(inbound.attachments), command=inbound.command
        )

    async def submit(self, inbound: Inbound, intent: Intent | None = None) -> Submitted:
        """Record a message once and queue it for its chat; answer a cancel at once. `intent`
        is the message's `classify`, when the caller has it already."""
        intent = intent or self.classify(inbound)
        language = language_of(inbound.language, self.settings.default_language)
        admission = self.fair_use.admission(inbound)
        if admission == "denied":
            return Submitted(intent=intent, refused="denied")
        operator = self.fair_use.is_operator(inbound)
        if operator:  # operators bypass limits and may change any setting
            inbound = replace(inbound, sender=replace(inbound.sender, is_admin=True))
        work = Work(inbound, intent, language=language, progress_ref=inbound.progress_ref)
        chat_key = inbound.chat.key
        if admission == "not_allowed":
            return await self._not_open(work)
        if intent is Intent.CANCEL:
            return await self._cancel(work)
        if not operator:
            decision = await self.fair_use.message(inbound)
            if not decision.allowed:
                self.metrics.refusals.labels(decision.refused_by).inc()
                if decision.tell:
                    wait = human_duration(max(1.0, decision.retry_after_s), language)
                    problem = Problem(
                        "rate_limited", text("problem.rate_limited", language, wait=wait)
                    )
                    await self.notifier.problem(work, problem)
                return Submitted(intent=intent, refused=decision.refused_by)
        token = secrets.token_hex(8)
        max_waiting = 0 if operator else await self.fair_use.limit(inbound, "chat_queue")
        pushed = await self.queue.push(
            chat_key, inbound.message_id, work.to_json(), token, max_waiting, inbound.sender.id
        )
        if pushed.full:
            self.metrics.refusals.labels("chat_queue").inc()
            problem = Problem(
                "queue_full", text("problem.queue_full", language, count=pushed.ahead)
            )
            await self.notifier.problem(work, problem)
            return Submitted(intent=intent, refused="chat_queue")
        if pushed.duplicate:
            self.metrics.duplicates.labels(inbound.chat.platform).inc()
            return Submitted(duplicate=True, intent=intent)
        self.metrics.messages_in.labels(inbound.chat.platform, intent.value).inc()
        if pushed.turn_token and intent in ANSWERED_AT_ONCE:
            await self.turns.answer_now(work, pushed.turn_token, pushed.language)
        elif pushed.turn_token:
            await self.scheduler.start_turn(chat_key, pushed.turn_token)
        elif pushed.ahead > 0:
            await self.notifier.progress(
                work, Stage.QUEUED, queue_position=pushed.ahead, ahead=pushed.ahead
            )
            if work.progress_ref and work.progress_ref != inbound.progress_ref:
                await self.queue.remember_progress_ref(
                    chat_key, inbound.message_id, work.progress_ref
                )
        return Submitted(ahead=pushed.ahead, intent=intent)

    async def _not_open(self, work: Work) -> Submitted:
        """Outside the allow lists: say so once a day per chat, then stay quiet."""
        notice = self.keys.limit_notice(f"private:{work.chat_key}")
        if await self.redis.set(notice, "1", nx=True, ex=86400):
            await self.notifier.reply(work, text("reply.private", work.language))
        return Submitted(intent=work.intent, refused="not_allowed")

    async def _cancel(self, work: Work) -> Submitted:
        seen = self.keys.seen(work.chat_key, work.message_id)
        if not await self.redis.set(seen, "1", nx=True, ex=SEEN_TTL_S):
            return Submitted(duplicate=True, intent=Intent.CANCEL)
        chosen = await self.chat_settings.language(
            work.inbound.settings_key, work.inbound.sender.id
        )
        work.language = chosen or work.language
        running = await self.queue.current(work.chat_key)
        if running and not await self._may_cancel(work, running):
            await self.notifier.reply(work, text("reply.cancel_not_yours", work.language))
            return Submitted(intent=Intent.CANCEL, refused="not_yours")
        current = await self.queue.request_cancel(work.chat_key, only=running or "")
        # What runs says "Cancelled" itself once it has stopped: one "Cancelled", not two.
        key = "reply.cancelling" if current else "reply.nothing_to_cancel"
        await self.notifier.reply(work, text(key, work.language))
        return Submitted(intent=Intent.CANCEL)

    async def _may_cancel(self, work: Work, message_id: str) -> bool:
        """In a group, what runs is its requester's to cancel, or an admin's."""
        inbound = work.inbound
        if not inbound.is_group or inbound.sender.is_admin:
            return True
        raw = await self.queue.load(work.chat_key, message_id)
        return raw is None or Work.from_json(raw).inbound.sender.id == inbound.sender.id

    async def first_delivery(self, platform: str, delivery_id: str) -> bool:
        """Take a platform's delivery id once; False for a redelivery of it.

        `submit` de-duplicates messages itself, but an adapter that answers before it submits
        (an immediate "Got it", a button's answer) must know sooner, or every copy answers.
        """
        key = self.keys.delivery(platform, delivery_id)
        if await self.redis.set(key, "1", nx=True, ex=SEEN_TTL_S):
            return True
        self.metrics.duplicates.labels(platform).inc()
        return False

    async def forget_delivery(self, platform: str, delivery_id: str) -> None:
        """Undo `first_delivery` for a delivery the adapter could not record, so the platform's
        next delivery of it is taken instead of dropped as a copy."""
        await self.redis.delete(self.keys.delivery(platform, delivery_id))

    async def restart_stranded_chats(self) -> int:
        """Start a turn for chats with messages but no lease (a lost enqueue); how many."""
        started = 0
        for chat_key in await self.queue.active_chats():
            token = secrets.token_hex(8)
            if await self.queue.claim_if_stranded(chat_key, token):
                log.warning("restarting a stranded chat", extra={"chat": chat_key})
                await self.scheduler.start_turn(chat_key, token)
                started += 1
        return started

    async def sample_metrics(self) -> None:
        """Refresh the gauges that are read from Redis (called when metrics are scraped)."""
        self.metrics.queue_depth.set(await self.redis.scard(self.keys.active_chats()))
        waiting = [await q.count("queued") for q in (self.job_queue, self.export_queue)]
        self.metrics.jobs_waiting.set(sum(waiting))

    def workers(
        self, *, concurrency: int | None = None, grace_s: int = 25
    ) -> list[Worker[JobContext]]:
        """saq workers for the core's two queues (turns, export steps); `grace_s` is how long a
        stop waits for running jobs."""
        turns = build_worker(
            self,
            self.job_queue,
            concurrency=concurrency or self.settings.worker_concurrency,
            grace_s=grace_s,
            janitor_too=True,
        )
        exports = build_worker(
            self,
            self.export_queue,
            concurrency=self.settings.export_concurrency,
            grace_s=grace_s,
            janitor_too=False,
        )
        return [turns, exports]
