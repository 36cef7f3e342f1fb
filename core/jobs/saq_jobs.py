"""The core's durable jobs on saq: a chat's turn, an export step, and the janitor.

saq gives durability (a job whose worker dies is retried once its heartbeat goes stale), delays
(scheduled polls) and retries; per-chat order is kept by `core.store.chat_queue`, not by saq.
Job keys are unique per step, so saq's own de-duplication never swallows a wake-up.

Turns and export steps run on two queues with their own slots. A turn holds its slot for as long
as the agent answers (seconds to minutes); an export step takes milliseconds (a poll) to a few
seconds (a delivery). On one first-in-first-out queue a finished render waited behind every turn
queued before it, and under a backlog the chats fell into step: all waiting on renders at once
while the slots sat idle.
"""

from __future__ import annotations

import logging
import secrets
import time
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from saq import Queue, Worker
from saq.job import Job, Status
from saq.queue.redis import RedisQueue
from saq.types import Context, PartialTimersDict

from core.repeating import repeating
from core.store import Keys, as_str

log = logging.getLogger(__name__)

# How often a worker moves the export steps that are due onto its queue: a render poll
# scheduled for a moment runs up to this much later (a script call each time, nothing more).
EXPORT_SCHEDULE_S = 0.25


class TurnRunner(Protocol):
    async def run(self, chat_key: str, token: str, part: int = 0) -> None: ...


class StepRunner(Protocol):
    async def step(self, export_id: str, number: int) -> None: ...


class JobServices(Protocol):
    """What the job functions need of the core: no more, so this module needs no `core.app`."""

    job_limits: JobLimits
    keys: Keys

    @property
    def turns(self) -> TurnRunner: ...

    @property
    def renders(self) -> StepRunner: ...

    async def restart_stranded_chats(self) -> int: ...


class JobContext(Context, total=False):
    core: JobServices


@dataclass(frozen=True)
class JobLimits:
    turn_timeout_s: int = 20 * 60  # an SSE stream may run 15 minutes
    step_timeout_s: int = 15 * 60  # a download and upload of a large video
    heartbeat_s: int = 30  # a job silent this long is presumed dead and retried
    retries: int = 20  # crash retries; a message that keeps failing is skipped by the turn
    sweep_s: int = 10


# A job's new state and its announcement in one round trip each: saq sends the write and the
# PUBLISH separately. PUBLISH inside a script is allowed on a Redis Cluster (inside a MULTI the
# cluster client refuses it); the job's keys share the queue's hash tag.
_SET_AND_NOTIFY = """
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PUBLISH', KEYS[1], ARGV[2])
return 1
"""

# A heartbeat: the job's new state (its touched time) and its announcement, unless another
# process changed its status meanwhile (an abort): then that status is answered, to be kept.
_BEAT = """
local stored = redis.call('GET', KEYS[1])
if stored then
  local status = cjson.decode(stored)['status']
  if status ~= ARGV[2] then return status end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PUBLISH', KEYS[1], ARGV[2])
return false
"""

_FINISH = """
redis.call('LREM', KEYS[1], 1, KEYS[3])
redis.call('ZREM', KEYS[2], KEYS[3])
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  redis.call('SET', KEYS[3], ARGV[1], 'EX', ttl)
elseif ttl == 0 then
  redis.call('SET', KEYS[3], ARGV[1])
else
  redis.call('DEL', KEYS[3])
end
redis.call('PUBLISH', KEYS[3], ARGV[3])
return 1
"""


# saq's scheduling, with its lock in milliseconds (saq's SETEX takes whole seconds): the jobs
# due are moved onto the queue every quarter of a second at most, by one worker at a time.
# The lock only spares the other workers the call: a job moved once has its score set to 0,
# which no later range takes again.
_SCHEDULE = """
if redis.call('SET', KEYS[1], 1, 'NX', 'PX', ARGV[1]) then
  local jobs = redis.call('ZRANGEBYSCORE', KEYS[2], 1, ARGV[2])
  for _, v in ipairs(jobs) do
    redis.call('ZADD', KEYS[2], 0, v)
    redis.call('RPUSH', KEYS[3], v)
  end
  return jobs
end
return {}
"""


class JobQueue(RedisQueue):
    """saq's Redis queue, with fewer round trips and an abort fit for a Redis Cluster.

    A job's start (its status set to active), its heartbeat and its end (taken off the active
    list, stored with its result) each write and announce in one script, where saq takes two
    round trips, or three for a heartbeat.
    saq publishes an aborted job's status inside the abort's transaction, and a cluster client
    refuses PUBLISH there: the status goes out right after the transaction instead; whoever
    listens reads the job then."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_and_notify = self.redis.register_script(_SET_AND_NOTIFY)
        self._beat = self.redis.register_script(_BEAT)
        self._finish_script = self.redis.register_script(_FINISH)
        self._schedule_ms = self.redis.register_script(_SCHEDULE)

    async def schedule(self, lock: float = 1) -> list[str]:
        due = await self._schedule_ms(
            keys=[self._schedule, self._incomplete, self._queued],
            args=[max(1, int(lock * 1000)), time.time()],
        )
        return [as_str(job_id) for job_id in due or []]

    async def _update(self, job: Job, status: Status | None = None, **kwargs: Any) -> None:
        if not status:  # a heartbeat: keep a status another process set (an abort)
            kept = await self._beat(keys=[job.id], args=[self.serialize(job), job.status])
            if kept is None:
                return
            job.status = Status(as_str(kept))
        else:
            job.status = status
        await self._set_and_notify(keys=[job.id], args=[self.serialize(job), job.status])

    async def _finish(
        self,
        job: Job,
        status: Status,
        *,
        result: Any = None,
        error: str | None = None,
    ) -> None:
        await self._finish_script(
            keys=[self._active, self._incomplete, job.id],
            args=[self.serialize(job), int(job.ttl), job.status],
        )

    async def abort(self, job: Job, error: str, ttl: float = 5) -> None:
        async with self._op_sem:
            job.status = Status.ABORTING
            job.error = error
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.lrem(self._queued, 0, job.id)
                pipe.zrem(self._incomplete, job.id)
                pipe.set(job.id, self.serialize(job))
                pipe.setex(job.abort_id, int(ttl), error)
                dequeued, *_ = await pipe.execute()
            await self.notify(job)
        if dequeued:
            await self.finish(job, Status.ABORTED, error=error)
            await self.redis.delete(job.abort_id)
        else:
            await self.redis.lrem(self._active, 0, job.id)


class SaqScheduler:
    """`core.jobs.scheduler.Scheduler` over a saq queue."""

    def __init__(self, turns: Queue, exports: Queue, limits: JobLimits, keys: Keys) -> None:
        self._queue = turns
        self._exports = exports
        self._limits = limits
        self._keys = keys

    async def start_turn(self, chat_key: str, token: str, *, part: int = 0) -> None:
        await self._queue.enqueue(
            "run_turn",
            key=self._keys.job(f"turn:{token}:{part}"),
            timeout=self._limits.turn_timeout_s,
            heartbeat=self._limits.heartbeat_s,
            retries=self._limits.retries,
            retry_delay=1.0,
            chat_key=chat_key,
            token=token,
            part=part,
        )

    async def render_step(
        self, export_id: str, *, step: int, delay_s: float = 0.0, recheck: bool = False
    ) -> None:
        # A fraction of a second is kept: saq compares the time as a number, and rounding up to
        # the next second made every poll up to a second late.
        scheduled = time.time() + delay_s if delay_s > 0 else 0
        key = f"export:{export_id}:{step}"
        if recheck:  # the step's own job may still exist: a second job, under its own key
            key += f":recheck:{secrets.token_hex(4)}"
        await self._exports.enqueue(
            "render_step",
            key=self._keys.job(key),
            scheduled=scheduled,
            timeout=self._limits.step_timeout_s,
            heartbeat=self._limits.heartbeat_s,
            retries=self._limits.retries,
            retry_delay=2.0,
            export_id=export_id,
            step=step,
        )


async def run_turn(ctx: JobContext, *, chat_key: str, token: str, part: int = 0) -> None:
    """A chat's turn. It proves it is alive on a timer, not as the agent's stream flows: a
    stream can be quiet for longer than the heartbeat (a slow first byte, a busy backend), and
    saq would hand the turn to a second worker, cutting the agent's answer off mid-way."""
    core = ctx["core"]
    async with _alive(ctx, core.job_limits.heartbeat_s / 3):
        await core.turns.run(chat_key, token, part)


async def render_step(ctx: JobContext, *, export_id: str, step: int = 0) -> None:
    """One export step. A poll takes milliseconds, but a delivery (download, a smaller copy,
    the upload to the chat) can take minutes: the step proves it is alive all along, or saq
    would hand it to a second worker and the video would go out twice."""
    core = ctx["core"]
    async with _alive(ctx, core.job_limits.heartbeat_s / 3):
        await core.renders.step(export_id, step)


def _alive(ctx: JobContext, every_s: float) -> AbstractAsyncContextManager[None]:
    """Heartbeat the job every `every_s` while the block runs; it stops with the process."""

    async def beat() -> None:
        try:
            await ctx["job"].update()
        except Exception:  # Redis away for a moment: the next beat tries again
            log.warning("job heartbeat failed", exc_info=True)

    return repeating(every_s, beat)


async def janitor(ctx: JobContext) -> None:
    core = ctx["core"]
    await core.restart_stranded_chats()


class _Worker(Worker[JobContext]):
    """saq's worker, with the janitor run once a minute by one of the workers.

    saq's own cron jobs would do the same, but their job key carries no hash tag: on a Redis
    Cluster the janitor's abort mark would land in another slot than its queue's keys.
    """

    janitor_key: str | None = None

    async def schedule(self, lock: float = 1) -> None:
        if self.janitor_key is not None:
            # Every worker asks every second; the fixed key keeps one janitor job in waiting.
            next_minute = (int(time.time()) // 60 + 1) * 60
            await self.queue.enqueue(
                "janitor", key=self.janitor_key, scheduled=next_minute, timeout=60
            )
        await super().schedule(lock)  # type: ignore[arg-type]  # saq's timer, passed on


def build_worker(
    core: JobServices, queue: Queue, *, concurrency: int, grace_s: int, janitor_too: bool
) -> Worker[JobContext]:
    """A saq worker for one queue; both run either kind of job, so a job in the other queue
    (one enqueued by an older version) still runs."""
    worker = _Worker(
        queue,
        functions=[run_turn, render_step, janitor],
        concurrency=concurrency,
        timers=PartialTimersDict(
            sweep=core.job_limits.sweep_s,
            schedule=1 if janitor_too else EXPORT_SCHEDULE_S,  # type: ignore[typeddict-item]
            abort=1,
            worker_info=10,
        ),
        shutdown_grace_period_s=grace_s,
        dequeue_timeout=1.0,  # idle slots notice a stop within a second
    )
    worker.context["core"] = core
    if janitor_too:
        worker.janitor_key = core.keys.job("cron:janitor")
    return worker
