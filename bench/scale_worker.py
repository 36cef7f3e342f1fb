"""The worker half of bench.scale, in its own process, plus the core both halves build.

    python -m bench.scale_worker <redis url> <backend url> <prefix> <concurrency> <photo>

Runs the core's jobs with a fixed concurrency and prints ``ready``, then
``video <message id> <wall time>`` for every video delivered (``problem <message id> <code>``
for a message that failed) and ``slot <start> <end>`` for every job a slot ran (wall times);
on SIGTERM, the CPU seconds and Redis round trips it spent since ``ready``, as one JSON line.

Of those round trips, `idle_round_trips` are what the worker would have made with no work at
all: its slots' blocking reads that ended with no job (counted one by one), and saq's timers
(scheduling, aborts, sweeps, the janitor's mark), at the rate measured in an idle window before
``ready``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import resource
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx

from bench.core import IDLE_READS, ROUND_TRIPS, bench_settings, counting_redis
from bots.runtime import running_worker
from core.app import Core
from core.backend.nemo.client import default_timeout
from core.bootstrap import build_core
from core.events import Problem, Progress, Reply, Target, VideoReady
from core.jobs import JobContext
from core.messages import Attachment
from core.ports import AttachmentSource, ChatSink, PlatformPorts
from core.settings import Settings

PLATFORM = "bench"
IDLE_WINDOW_S = 3.0


@asynccontextmanager
async def scale_core(
    settings: Settings, source: AttachmentSource, sink: ChatSink
) -> AsyncIterator[Core]:
    """A core wired as `bots.runtime.open_runtime` wires it, on Redis clients that count their
    round trips (`bench.core.ROUND_TRIPS`)."""
    assert settings.redis_url is not None
    redis, job_redis = counting_redis(settings.redis_url), counting_redis(settings.redis_url)
    timeout = default_timeout(settings.nemo_connect_timeout_s, settings.nemo_read_timeout_s)
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    try:
        async with httpx.AsyncClient(timeout=timeout, limits=limits) as http:
            yield build_core(
                settings,
                redis=redis,
                job_redis=job_redis,
                http=http,
                nemo_base_url=settings.nemo_api_base,
                platforms={PLATFORM: PlatformPorts(source, sink)},
            )
    finally:
        await redis.aclose(close_connection_pool=True)
        await job_redis.aclose(close_connection_pool=True)


class PhotoSource:
    """Every attachment is the same small photo."""

    def __init__(self, photo: bytes) -> None:
        self._photo = photo

    async def open(self, attachment: Attachment) -> AsyncIterator[bytes]:
        yield self._photo


class DeliverySink:
    """A chat platform that reports each delivered video (and each failure) on stdout."""

    def say(self, line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    async def progress(self, target: Target, progress: Progress, ref: str | None) -> str | None:
        return ref or "p"

    async def reply(self, target: Target, reply: Reply) -> None: ...

    async def video(self, target: Target, video: VideoReady) -> None:
        self.say(f"video {target.message_id} {time.time():.6f}")

    async def problem(self, target: Target, problem: Problem) -> None:
        self.say(f"problem {target.message_id} {problem.code}")


def timed_worker(core: Core, sink: DeliverySink) -> AbstractAsyncContextManager[None]:
    """`bots.runtime.running_worker`, plus a line for each turn a slot ran: how busy the slots
    were is what tells a slot-bound rate from one that waits on something else. (The turns'
    slots are the ones the bench fills; export steps have their own.)"""
    began: dict[str, float] = {}

    async def begin(ctx: JobContext) -> None:
        began[ctx["job"].id] = time.time()

    async def end(ctx: JobContext) -> None:
        if (start := began.pop(ctx["job"].id, None)) is not None:
            sink.say(f"slot {start:.3f} {time.time():.3f}")

    return running_worker(core, grace_s=1, around_turns=(begin, end))


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def main(redis_url: str, backend: str, prefix: str, concurrency: int, photo: Path) -> None:
    # saq warns that its idle dequeue loops outlive the stop's grace period: noise here.
    logging.getLogger("saq").setLevel(logging.ERROR)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    settings = bench_settings(redis_url, backend, prefix, concurrency)
    sink = DeliverySink()
    source = PhotoSource(photo.read_bytes())
    async with scale_core(settings, source, sink) as core, timed_worker(core, sink):
        timers_per_s = await idle_timers_per_s()
        cpu_at_ready, trips_at_ready, idle_at_ready = cpu_s(), ROUND_TRIPS[0], IDLE_READS[0]
        ready_at = time.monotonic()
        sink.say("ready")
        await stop.wait()
        idle = IDLE_READS[0] - idle_at_ready + timers_per_s * (time.monotonic() - ready_at)
        totals = {
            "cpu_s": cpu_s() - cpu_at_ready,
            "round_trips": ROUND_TRIPS[0] - trips_at_ready,
            "idle_round_trips": idle,
        }
    sink.say(json.dumps(totals))


async def idle_timers_per_s() -> float:
    """The round trips a second an idle worker makes besides its slots' empty reads; measured
    once the worker's start (connections, scripts, the first reads) is over."""
    await asyncio.sleep(IDLE_WINDOW_S)
    trips, idle = ROUND_TRIPS[0], IDLE_READS[0]
    await asyncio.sleep(IDLE_WINDOW_S)
    return ((ROUND_TRIPS[0] - trips) - (IDLE_READS[0] - idle)) / IDLE_WINDOW_S


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), Path(sys.argv[5])))
