"""Exports as durable jobs: submit, poll on a backing-off schedule, deliver, hand the chat back.

Each export has a record in Redis (written before the first call to the backend) and advances
one short, idempotent step per job: no worker holds a render while it waits. The first step (the
submit) runs in the turn that starts the export, which is a job already. A worker that dies
mid-step is replaced by saq's retry of the same step (of the turn, for the first: it adopts the
export and looks at it again); a step that finds the export finished does nothing. The render id
belongs to the session, so it is persisted before it is submitted.

The last step hands the chat back: it closes the message and takes the chat's next one, as the
turn would, and starts a turn only when there is one (or when the message has more items).

Steps are numbered, and one runs at a time under the export's lock. saq retries a step whose
heartbeat went quiet even when its worker still runs it (a starved event loop, a Redis restart):
the retry finds the lock taken and looks again later, and by then the original has moved the
record to the next step number, so the retry sees it is stale and does nothing. A step schedules
its successor before it saves the new number, so a death between the two loses nothing.

While a step runs it renews the chat's lease on a timer (a delivery can take minutes). A turn
that restarts over a running export (the janitor's, after the lease lapsed all the same)
adopts it through a key of its own, set only while that turn holds the lease; steps never
write the owner, so a step saving its record cannot hand the chat back to the turn before.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict, dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from core.backend import Backend
from core.backend.nemo.models import RenderStatus
from core.backend.sessions import remembering_sessions
from core.errors import (
    BackendError,
    BackendUnavailable,
    ClipbridgeError,
    LimitReached,
    RenderFailed,
    RenderTimedOut,
)
from core.events import Stage
from core.exports.delivery import Delivery
from core.exports.estimate import (
    SAMPLES_KEPT,
    next_poll_s,
    remaining_s,
    shown_left_s,
    typical_duration,
)
from core.fair_use import FairUse
from core.jobs import Scheduler
from core.metrics import Metrics
from core.outbound import Notifier, Reporter
from core.repeating import repeating
from core.store import (
    REDIS_ERRORS,
    RENDER_TTL_S,
    Batch,
    ChatQueue,
    Claim,
    Keys,
    LockLost,
    Next,
    as_str,
    exclusive_reading,
    one_server,
)
from core.texts import human_duration, text
from core.work import Phase, Work

log = logging.getLogger(__name__)

POLL_STEPS_S = (2.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0)
DURATIONS_KEPT = 20  # recent render durations kept for estimates


def new_render_id() -> str:
    """A render id no one can guess: a backend may serve the file under it."""
    return f"render_{int(time.time() * 1000)}_{secrets.token_hex(16)}"


def poll_delay(polls: int, minimum: float, maximum: float) -> float:
    """Soon after the start, then backing off; never under `minimum` or over `maximum`."""
    step = POLL_STEPS_S[min(polls, len(POLL_STEPS_S) - 1)]
    return max(minimum, min(maximum, step))


@dataclass
class ExportRecord:
    export_id: str
    chat_key: str
    message_id: str
    token: str
    render_id: str
    draft: dict[str, Any] = field(repr=False)
    created_at: float = field(default_factory=time.time)
    attempt: int = 0
    submitted: bool = False
    polls: int = 0
    finished: bool = False
    counted: list[str] = field(default_factory=list)  # quota counters, given back on failure
    step: int = 0  # the number of the step that runs next; a job with a lower one is stale
    # The chat accepted the video. Saved the moment it did, so a worker that dies after that
    # point never sends it again; only a death during the send itself can repeat it.
    delivered: bool = False
    submitted_at: float = 0.0  # wall clock, when the render was accepted
    samples: list[list[float]] = field(default_factory=list)  # [time, percent], latest last
    typical_s: float | None = None  # the median duration of recent renders, at submit


def record_from(raw: bytes | str | None) -> ExportRecord | None:
    """An export's record as stored (None: none is)."""
    return ExportRecord(**json.loads(as_str(raw))) if raw is not None else None


@dataclass(frozen=True)
class RenderTiming:
    poll_min_s: float = 2.0
    poll_max_s: float = 30.0
    deadline_s: float = 600.0
    lock_s: float = 90.0  # an export's lock outlives its holder's death by this much at most
    lease_s: float = 60.0  # the chat's lease, renewed every third of it while a step runs


class RenderJobs:
    """Starts exports and advances them one step per job."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        queue: ChatQueue,
        backend: Backend,
        notifier: Notifier,
        delivery: Delivery,
        scheduler: Scheduler,
        reporter: Reporter,
        metrics: Metrics,
        fair_use: FairUse,
        timing: RenderTiming,
    ) -> None:
        self._fair_use = fair_use
        self._metrics = metrics
        self._reporter = reporter
        self._redis = redis
        self._keys = keys
        self._queue = queue
        self._backend = backend
        self._notifier = notifier
        self._delivery = delivery
        self._scheduler = scheduler
        self._timing = timing

    async def start(self, work: Work, draft: dict[str, Any]) -> None:
        """Record an export for the work's current item and schedule its first step; refuse
        (LimitReached) when the user's or the chat's render quota is used up."""
        quota = await self._fair_use.render(work.inbound)
        if not quota.allowed:
            self._metrics.refusals.labels(quota.refused_by).inc()
            allowed = await self._fair_use.limit(work.inbound, quota.refused_by)
            raise LimitReached(quota.refused_by, allowed=allowed, retry_after_s=quota.retry_after_s)
        export_id = f"{work.message_id}.{work.item}.{secrets.token_hex(4)}"
        record = ExportRecord(
            export_id=export_id,
            chat_key=work.chat_key,
            message_id=work.message_id,
            token=work.notes.get("turn", ""),
            render_id=new_render_id(),
            draft=draft,
            counted=list(quota.counted),
        )
        work.render_id = export_id
        work.phase = Phase.RENDERING

        def save(pipe: Pipeline) -> None:
            self._save_to(pipe, record, work)

        # The records go in the round trip that takes the first step's lock: should that fail,
        # the turn fails with it, as nothing was scheduled. The first step (the submit) runs
        # here and now, its successors as jobs. Should it fail for a reason a job's retries
        # outlast (Redis away for a moment), it is a job too.
        failed = False
        try:
            async with self._claim(export_id, saving=save) as claim:
                failed = not claim.mine  # a new export's lock is free: a job, should it not be
                if claim.mine:
                    try:
                        await self._held(claim, record.step)
                    except Exception:
                        failed = True
        except LockLost:
            failed = True
        if failed:
            log.warning("first export step failed here; queued", extra={"export": export_id})
            await self._scheduler.render_step(export_id, step=record.step)

    async def adopt(self, export_id: str, token: str) -> bool:
        """A new turn owns the chat: the export hands the chat back to it. False if finished.

        A turn restarts over a running export when the chat's lease ran out: the export's steps
        stopped renewing it, so its next step may be gone (its job lost with a queue renamed
        by an upgrade, or never written). The export is looked at again under a key of its
        own; if its steps still run, the look finds the step taken or done and does nothing.
        """
        record = await self._load(export_id)
        if record is None or record.finished:
            return False
        if await self._queue.adopt_export(record.chat_key, export_id, token):
            await self._scheduler.render_step(export_id, step=record.step, recheck=True)
        return True  # else the turn lost the chat too: whoever holds it now carries on

    async def step(self, export_id: str, number: int) -> None:
        """Run step `number` of the export. A job from before steps were numbered carries 0,
        as does the record it advances, so it runs."""
        async with self._claim(export_id) as claim:
            if not claim.mine:  # the same step still runs elsewhere: it is looked at again later
                await self._scheduler.render_step(
                    export_id, step=number, delay_s=self._timing.poll_min_s, recheck=True
                )
                return
            await self._held(claim, number)

    def _claim(
        self, export_id: str, *, saving: Callable[[Pipeline], None] | None = None
    ) -> AbstractAsyncContextManager[Claim]:
        """The export's lock, with its record and the recent renders' durations read in the
        same round trip (after `saving`'s writes, if any)."""

        def reads(pipe: Pipeline) -> None:
            pipe.get(self._keys.render(export_id))
            pipe.lrange(self._keys.render_durations(), 0, DURATIONS_KEPT - 1)

        lock = self._keys.render_lock(export_id)
        return exclusive_reading(self._redis, lock, self._timing.lock_s, reads, writes=saving)

    async def _held(self, claim: Claim, number: int) -> None:
        """Step `number`, under the lock `claim` holds."""
        raw, recent = claim.read
        record = record_from(raw)
        if record is None or record.finished:
            return
        if number < record.step:
            return  # this step ran already; its successor is scheduled
        record.step = number  # ahead of the record when its predecessor died before saving
        await self._run(record, typical_duration([float(as_str(v)) for v in recent]), claim)

    async def _run(self, record: ExportRecord, typical_s: float | None, claim: Claim) -> None:
        """Advance the export; `typical_s` is the recent renders' usual duration, kept on the
        record when it is submitted."""
        start = await self._queue.export_step(
            record.chat_key, record.message_id, record.export_id, record.token
        )
        if start.work_json is None:
            record.finished = True
            await self._save(record, releasing=claim)
            return
        work = Work.from_json(start.work_json)

        async def keep_lease() -> None:
            if record.finished:  # handed back: the turn may have released the lease already
                return
            try:
                await self._queue.extend(record.chat_key, await self._owner(record))
            except REDIS_ERRORS:  # Redis away for a moment: the lease lives on until it ends
                log.warning("lease renewal failed", extra={"export": record.export_id})

        try:
            async with repeating(self._timing.lease_s / 3, keep_lease):
                with remembering_sessions():
                    await self._advance(work, record, start.cancelled, typical_s, claim)
        except ClipbridgeError as exc:
            await self._fail(work, record, exc, claim)

    async def _owner(self, record: ExportRecord) -> str:
        """The turn to hand the chat back to: the one that adopted the export, else its own."""
        return await self._queue.export_owner(record.chat_key, record.export_id) or record.token

    async def _advance(
        self,
        work: Work,
        record: ExportRecord,
        cancelled: bool,
        typical_s: float | None,
        claim: Claim,
    ) -> None:
        if record.delivered:  # a crash came after the send: only the bookkeeping is left
            return await self._finish(work, record, "delivered", claim)
        waited = False
        while True:
            if cancelled:
                await self._cancel_backend(work, record)
                await self._notifier.progress(work, Stage.CANCELLED)
                return await self._finish(work, record, "cancelled", claim)
            if time.time() - record.created_at > self._timing.deadline_s:
                await self._cancel_backend(work, record)
                raise RenderTimedOut("the render passed its deadline")
            try:
                status = await (
                    self._poll(work, record)
                    if record.submitted
                    else self._submit(work, record, typical_s)
                )
            except BackendUnavailable:
                log.warning("render step failed, will retry", extra={"export": record.export_id})
                return await self._again(record, claim)
            if status.phase not in ("pending", "processing"):
                break
            delay = await self._rendering(work, record, status.progress)
            if waited or delay >= self._timing.poll_min_s:
                return await self._next(record, claim, delay, work)
            # The render ends sooner than a step is ever scheduled (the estimate put the look
            # just after its end): this step waits for it, once, rather than leave a job to
            # look (a job costs eight round trips to Redis; the wait holds an export slot for
            # less than `poll_min_s`). Its lock and the chat's lease are kept meanwhile.
            waited = True
            await asyncio.sleep(delay)
            cancelled = await self._queue.is_cancelled(record.chat_key, record.message_id)
        if status.phase == "failed":
            if record.attempt >= 1:
                raise RenderFailed(status.error or "the render failed")
            record.attempt += 1  # documented: a failed render is retried once with a new id
            record.render_id, record.submitted, record.polls = new_render_id(), False, 0
            return await self._next(record, claim)

        # How long the render took is kept with the record that says the video went out, in
        # one round trip: counted once, also when the delivery is tried again.
        took_s = time.time() - record.submitted_at if record.submitted_at else None

        async def sent() -> None:
            record.delivered = True
            await self._save(record, took_s=took_s)

        await self._delivery.deliver(
            work, record.export_id, record.render_id, status.output_url, record.draft, sent
        )
        self._metrics.render_seconds.observe(time.time() - record.created_at)
        await self._finish(work, record, "delivered", claim)

    async def _submit(
        self, work: Work, record: ExportRecord, typical_s: float | None
    ) -> RenderStatus:
        try:
            status = await self._backend.submit_render(
                work.chat_key, work.language, record.render_id, record.draft
            )
        except RenderFailed as exc:
            if "duplicate" not in str(exc).lower():
                raise
            # Our own earlier submit got through before a crash: poll it.
            status = RenderStatus(record.render_id, "pending", 0)
        record.submitted, record.submitted_at, record.samples = True, time.time(), []
        record.typical_s = typical_s
        # Saved with the next step's number, in a moment. A death before that submits again
        # under the same id, which the backend refuses as a duplicate: then it is polled.
        return status

    async def _rendering(self, work: Work, record: ExportRecord, percent: int) -> float:
        """Show the render's progress (with the time left, once honest); when to look next."""
        left, soonest = self._left(record, percent)
        shown = shown_left_s(left)
        line = None
        if shown is not None:
            left_text = human_duration(shown, work.language)
            line = text("stage.rendering_left", work.language, percent=percent, left=left_text)
        delay = self._delay(record, soonest)
        # The next look may run in another process: the chat's "working" sign is this
        # process's only until then.
        await self._notifier.progress(
            work, Stage.RENDERING, percent=percent, line=line, keep_s=delay
        )
        return delay

    def _left(self, record: ExportRecord, percent: int) -> tuple[float | None, float | None]:
        """Seconds until the render is done, likeliest and soonest, from its progress so far
        and recent renders."""
        now = time.time()
        record.samples = [*record.samples, [now, float(percent)]][-SAMPLES_KEPT:]
        samples = [(at, int(done)) for at, done in record.samples]
        elapsed = now - record.submitted_at if record.submitted_at else 0.0
        likeliest, soonest = (
            remaining_s(samples, now, typical_s=record.typical_s, elapsed_s=elapsed, soonest=bound)
            for bound in (False, True)
        )
        return likeliest, soonest

    async def _poll(self, work: Work, record: ExportRecord) -> RenderStatus:
        return await self._backend.render_status(work.chat_key, work.language, record.render_id)

    async def _again(self, record: ExportRecord, claim: Claim) -> None:
        """Poll again, on the back-off schedule."""
        await self._next(record, claim, self._delay(record, None))

    def _delay(self, record: ExportRecord, left: float | None) -> float:
        """When to look next (counted as a poll): just after the render's soonest end when there
        is an estimate (`left`), else on the back-off schedule."""
        minimum, maximum = self._timing.poll_min_s, self._timing.poll_max_s
        delay = next_poll_s(left, poll_delay(record.polls, minimum, maximum), minimum, maximum)
        record.polls += 1
        return delay

    async def _next(
        self, record: ExportRecord, claim: Claim, delay_s: float = 0.0, work: Work | None = None
    ) -> None:
        """Schedule the next step, then save its number (and `work`'s record with it), and
        release the lock: a job that exists before its number is saved waits for this step's
        lock, and a number saved without its job would strand it."""
        record.step += 1
        await self._scheduler.render_step(record.export_id, step=record.step, delay_s=delay_s)
        await self._save(record, work, releasing=claim)

    async def _cancel_backend(self, work: Work, record: ExportRecord) -> None:
        if not record.submitted:
            return

        try:
            await self._backend.cancel_render(work.chat_key, work.language, record.render_id)
        except BackendError:
            log.info("render cancel not accepted", extra={"export": record.export_id})

    async def _fail(
        self, work: Work, record: ExportRecord, error: ClipbridgeError, claim: Claim
    ) -> None:
        await self._reporter.report(work, error)
        await self._finish(work, record, error.code, claim)

    async def _finish(self, work: Work, record: ExportRecord, outcome: str, claim: Claim) -> None:
        """The item is over (delivered, failed or cancelled): hand the chat back to its turn."""
        self._metrics.jobs.labels("export", outcome).inc()
        if outcome != "delivered":  # failed or cancelled work never counts against a quota
            await self._fair_use.limiter.give_back(record.counted)
        record.finished = True
        work.phase = Phase.DELIVERED
        if work.item + 1 < work.items:  # more items: the turn goes on with the next
            await self._save(record, work, attempts_afresh=True, releasing=claim)
            owner = await self._owner(record)
            await self._scheduler.start_turn(record.chat_key, owner, part=record.polls + 1)
            return
        # Nothing after this item: the message is over, here. What the chat's turn would do
        # next, without a job for it: close the message and take the next one (a turn job
        # runs that), or release the chat. A death before the hand-back leaves the lease to
        # lapse; the step's retry, or the janitor's turn, finds the message finished.
        work.advance()
        await self._notifier.close(work)  # before the save, which keeps that it is closed
        self._metrics.jobs.labels(work.intent.value, "done").inc()
        after = await self._hand_back(work, record, claim)
        if after.kind in ("next", "resume"):
            await self._scheduler.start_turn(record.chat_key, after.token, part=record.polls + 1)

    async def _hand_back(self, work: Work, record: ExportRecord, claim: Claim) -> Next:
        """Save the finished export and its message, then close the message in the chat's
        queue and take the next one or release the chat, then release the step's lock: one
        round trip on one server; on a cluster, whose nodes do not keep a pipeline's order,
        one after another."""
        if not one_server(self._redis):
            await self._save(record, work, attempts_afresh=True)
            return await self._queue.next(
                record.chat_key, record.token, record.message_id, export_id=record.export_id
            )
        batch = Batch(self._redis)
        self._save_to(batch.pipe, record, work, attempts_afresh=True)
        self._queue.next_in(
            batch, record.chat_key, record.token, record.message_id, export_id=record.export_id
        )
        *_, taken = await claim.release_with(batch)
        return self._queue.taken(taken)

    async def _load(self, export_id: str) -> ExportRecord | None:
        return record_from(await self._redis.get(self._keys.render(export_id)))

    async def _save(
        self,
        record: ExportRecord,
        work: Work | None = None,
        *,
        attempts_afresh: bool = False,
        took_s: float | None = None,
        releasing: Claim | None = None,
    ) -> None:
        """`_save_to`, in a round trip of its own; `releasing`: the step's last write, with the
        step's lock released after it."""
        batch = Batch(self._redis)
        self._save_to(batch.pipe, record, work, attempts_afresh=attempts_afresh, took_s=took_s)
        if releasing is not None:
            await releasing.release_with(batch)
        else:
            await batch.execute()

    def _save_to(
        self,
        pipe: Pipeline,
        record: ExportRecord,
        work: Work | None = None,
        *,
        attempts_afresh: bool = False,
        took_s: float | None = None,
    ) -> None:
        """Save the export's record, and the message's with it in the same pipeline (its
        attempts started afresh, once its export is over); `took_s`: and how long the render
        took, for the next renders' estimates."""
        pipe.set(self._keys.render(record.export_id), json.dumps(asdict(record)), ex=RENDER_TTL_S)
        if work is not None:
            self._queue.save_to(pipe, work.chat_key, work.message_id, work.to_json())
            if attempts_afresh:
                self._queue.forget_attempts_to(pipe, work.chat_key, work.message_id)
        if took_s is not None:
            pipe.lpush(self._keys.render_durations(), f"{took_s:.2f}")
            pipe.ltrim(self._keys.render_durations(), 0, DURATIONS_KEPT - 1)
