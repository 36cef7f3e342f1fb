"""Scaling bench, on the real Redis: jobs completed per minute with one and with two workers.

    python -m bench.scale [--chats 40] [--rounds 2] [--concurrency 4] [--think-s 2]
                          [--render-s 3]

One job is one photo turned into a video, the product's whole path: the message is submitted at
ingress (this process), and a worker process uploads the photo, waits for the agent's answer
over SSE, starts the export, polls the render, downloads the MP4 and delivers it to a sink.
The backend (bench.fake_nemo, in its own process) renders in a fixed `--render-s` and its agent
answers in a fixed `--think-s`.

Why the agent has a think time too: an export holds no worker slot while it renders (each poll
is a short job, scheduled for later), so a render time alone never makes worker slots the
bottleneck; the agent's answer is what a slot waits on. Each worker runs `--concurrency` slots
and `--chats` chats each queue `--rounds` + 2 photos at once, more than the slots can serve:
the work is I/O-bound, a busy slot waits on the backend.

Phase 1 runs one worker process, phase 2 two, each on a fresh Redis prefix with the same chats
and photos. The rate is measured in steady state, over whole rounds: from the moment every chat
has had its first video (the ramp-up is over) to the moment every chat has had `--rounds` more.

Whole rounds, because chats can move in waves: render steps share saq's one FIFO queue with the
agent's turns, so under a backlog a render poll waits behind every turn queued before it, the
chats fall into step, and all of them end up waiting on their renders at once while the slots
idle. A window of fixed length would catch one wave more or less depending on where it fell.
slot_busy, the share of the slots' time spent running jobs inside the window, shows how much
the waves cost: at 100% the rate is what the slots can do. at_full_slots divides the rate by
slot_busy: the rate without the waves, which is how well the workers themselves scale.
Redis round trips are counted at the connections of the ingress and of every worker over the
whole phase, which runs until every photo queued has its video, and divided by the videos: each
job counted is a whole job. (Stopping when the measured rounds end would count the work of the
photos still on their way, but not their videos.) An idle worker makes round trips too (each
slot's blocking read ends every second with no job; saq's timers): `of_them_idle` is that
share, so that redis_RT/job - of_them_idle is what the jobs themselves cost.

Targets: two workers >= 1.8x one; <= 30 round trips a job besides the idle ones. The last line
printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.core import (
    ROUND_TRIPS,
    NoSink,
    NoSource,
    bench_settings,
    counting_redis,
    fake_backend,
    forget,
)
from bench.scale_worker import PLATFORM, scale_core
from bots.redis_server import redis_url_for
from bots.sample import make_sample_photo
from core.messages import Attachment, ChatRef, Inbound, Sender


@dataclass
class Phase:
    workers: int
    slots: int
    chat_of: dict[str, int] = field(default_factory=dict)  # message id -> chat
    done: dict[int, list[float]] = field(default_factory=dict)  # chat -> its videos' wall times
    failed: list[str] = field(default_factory=list)
    ran: list[tuple[float, float]] = field(default_factory=list)  # every job a slot ran
    started: float = 0.0  # the first photo submitted
    window: tuple[float, float] = (0.0, 0.0)  # the measured rounds, in wall time
    cpu_s: float = 0.0  # the workers' CPU time, whole phase
    round_trips: int = 0  # Redis round trips, ingress and workers, whole phase
    idle_round_trips: float = 0.0  # of those, what the workers make with no work (see below)

    def round_done(self, videos: int) -> float | None:
        """When the last chat got its `videos`-th video (None: not every chat has yet)."""
        if not self.done or any(len(times) < videos for times in self.done.values()):
            return None
        return max(sorted(times)[videos - 1] for times in self.done.values())

    @property
    def delivered(self) -> int:
        return sum(len(times) for times in self.done.values())

    @property
    def jobs(self) -> int:
        """Videos delivered inside the window."""
        start, end = self.window
        return sum(1 for times in self.done.values() for t in times if start < t <= end)

    @property
    def wall_s(self) -> float:
        return self.window[1] - self.window[0]

    @property
    def warmup_s(self) -> float:
        return self.window[0] - self.started

    @property
    def jobs_per_min(self) -> float:
        return self.jobs * 60 / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def at_full_slots(self) -> float:
        """The rate were the slots never idle: what the workers themselves can do."""
        return self.jobs_per_min / self.slot_busy if self.slot_busy > 0 else 0.0

    @property
    def slot_busy(self) -> float:
        start, end = self.window
        busy = sum(max(0.0, min(b, end) - max(a, start)) for a, b in self.ran)
        return busy / (self.slots * self.wall_s) if self.wall_s > 0 else 0.0


def photo_message(chat: int, size: int) -> Inbound:
    return Inbound(
        message_id=uuid.uuid4().hex,
        chat=ChatRef(PLATFORM, f"c{chat}"),
        sender=Sender(f"u{chat}"),
        attachments=(Attachment(ref="photo", filename="photo.jpg", mime="image/jpeg", size=size),),
        language="en",
    )


async def start_workers(
    count: int, redis_url: str, backend: str, prefix: str, concurrency: int, photo: Path
) -> list[asyncio.subprocess.Process]:
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.scale_worker",
            redis_url,
            backend,
            prefix,
            str(concurrency),
            str(photo),
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(count)
    ]
    for process in processes:
        assert process.stdout is not None
        assert (await process.stdout.readline()).strip() == b"ready"
    return processes


async def run_phase(
    redis_url: str, backend: str, workers: int, args: argparse.Namespace, photo: Path
) -> Phase:
    """Start `workers` worker processes, queue every chat's photos, measure, stop."""
    prefix = f"bench-scale:{uuid.uuid4().hex[:8]}"
    phase = Phase(workers, workers * args.concurrency)
    processes = await start_workers(workers, redis_url, backend, prefix, args.concurrency, photo)
    photos = args.chats * (args.rounds + 2)
    finished = asyncio.Event()  # every photo queued has its video (or its problem)

    async def read(process: asyncio.subprocess.Process) -> dict[str, Any]:
        assert process.stdout is not None
        async for raw in process.stdout:
            line = raw.decode().strip()
            if line.startswith("{"):
                return dict(json.loads(line))
            kind, _, rest = line.partition(" ")
            if kind == "slot":
                began, ended = rest.split()
                phase.ran.append((float(began), float(ended)))
            elif kind == "video":
                message_id, at = rest.split()
                phase.done.setdefault(phase.chat_of[message_id], []).append(float(at))
            elif kind == "problem":
                phase.failed.append(rest)
            if phase.delivered + len(phase.failed) >= photos:
                finished.set()
        return {}

    readers = [asyncio.create_task(read(process)) for process in processes]
    settings = bench_settings(redis_url, backend, prefix, args.concurrency)
    size = photo.stat().st_size
    ROUND_TRIPS[0] = 0
    try:
        async with scale_core(settings, NoSource(), NoSink()) as core:
            phase.started = time.time()
            for _ in range(args.rounds + 2):  # one more than measured: no chat runs dry
                for chat in range(args.chats):
                    message = photo_message(chat, size)
                    phase.chat_of[message.message_id] = chat
                    await core.submit(message)
            try:
                await asyncio.wait_for(finished.wait(), args.timeout_s)
            except TimeoutError:
                print(f"{workers} worker(s): photos not done in time", file=sys.stderr)
            ingress_trips = ROUND_TRIPS[0]
    finally:
        for process in processes:
            process.terminate()
        totals = await asyncio.gather(*readers)
        for process in processes:
            await process.wait()
        async with counting_redis(redis_url) as redis:
            await forget(redis, prefix)
    first, last = phase.round_done(1), phase.round_done(1 + args.rounds)
    phase.window = (first or phase.started, last or time.time())
    phase.cpu_s = sum(float(t.get("cpu_s", 0.0)) for t in totals)
    phase.round_trips = ingress_trips + sum(int(t.get("round_trips", 0)) for t in totals)
    phase.idle_round_trips = sum(float(t.get("idle_round_trips", 0.0)) for t in totals)
    return phase


def print_table(phases: list[Phase], args: argparse.Namespace) -> None:
    print(
        "job = one photo: upload, agent answer over SSE, export, render polls, download, "
        f"video delivered\nagent {args.think_s:g} s, render {args.render_s:g} s, "
        f"{args.concurrency} slots per worker, {args.chats} chats; jobs and wall_s: "
        f"{args.rounds} whole rounds after the warm-up\n"
    )
    print(
        f"{'workers':>7} {'jobs':>5} {'wall_s':>7} {'jobs_per_min':>12} {'slot_busy':>9} "
        f"{'at_full_slots':>13} "
        f"{'warmup_s':>8} {'failed':>6} {'cpu_ms/job':>10} {'redis_RT/job':>12} "
        f"{'of_them_idle':>12}"
    )
    for phase in phases:
        delivered = max(1, phase.delivered)
        print(
            f"{phase.workers:7d} {phase.jobs:5d} {phase.wall_s:7.1f} {phase.jobs_per_min:12.1f} "
            f"{phase.slot_busy:9.0%} {phase.at_full_slots:13.1f} "
            f"{phase.warmup_s:8.1f} {len(phase.failed):6d} "
            f"{phase.cpu_s * 1000 / delivered:10.1f} {phase.round_trips / delivered:12.1f} "
            f"{phase.idle_round_trips / delivered:12.1f}"
        )


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """The module's docstring as written, and each option's default."""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=HelpFormatter)
    parser.add_argument("--chats", type=int, default=40, help="chats, all busy at once")
    parser.add_argument("--rounds", type=int, default=2, help="rounds measured after warm-up")
    parser.add_argument("--concurrency", type=int, default=4, help="slots per worker process")
    parser.add_argument("--think-s", type=float, default=2.0, help="the agent's answer time")
    parser.add_argument("--render-s", type=float, default=3.0, help="the backend's render time")
    parser.add_argument("--timeout-s", type=float, default=150.0, help="per phase, at most")
    return parser.parse_args()


async def main() -> None:
    args = parse_args()
    load_at_start = os.getloadavg()[0]
    photo = make_sample_photo(Path("var/bench/scale-photo.jpg"), size=(480, 320))
    with (
        redis_url_for(os.environ.get("REDIS_URL"), try_local=True) as redis_url,
        fake_backend("--render-s", str(args.render_s), "--think-s", str(args.think_s)) as backend,
    ):
        phases = [await run_phase(redis_url, backend, n, args, photo) for n in (1, 2)]
    photo.unlink(missing_ok=True)
    print_table(phases, args)
    one, two = phases
    delivered = max(1, one.delivered + two.delivered)
    figures = {
        "one_worker_jobs_per_min": round(one.jobs_per_min, 1),
        "two_workers_jobs_per_min": round(two.jobs_per_min, 1),
        "ratio": round(two.jobs_per_min / one.jobs_per_min, 3) if one.jobs_per_min else 0.0,
        "one_worker_at_full_slots_jobs_per_min": round(one.at_full_slots, 1),
        "two_workers_at_full_slots_jobs_per_min": round(two.at_full_slots, 1),
        "at_full_slots_ratio": (
            round(two.at_full_slots / one.at_full_slots, 3) if one.at_full_slots else 0.0
        ),
        "one_worker_slot_busy_pct": round(one.slot_busy * 100, 1),
        "two_workers_slot_busy_pct": round(two.slot_busy * 100, 1),
        "one_worker_jobs": one.jobs,
        "two_workers_jobs": two.jobs,
        "one_worker_wall_s": round(one.wall_s, 1),
        "two_workers_wall_s": round(two.wall_s, 1),
        "failed_jobs": len(one.failed) + len(two.failed),
        "render_s": args.render_s,
        "agent_think_s": args.think_s,
        "worker_concurrency": args.concurrency,
        "chats": args.chats,
        "worker_cpu_ms_per_job": round((one.cpu_s + two.cpu_s) * 1000 / delivered, 1),
        "redis_round_trips_per_job": round((one.round_trips + two.round_trips) / delivered, 1),
        "redis_round_trips_per_job_without_idle": round(
            (one.round_trips + two.round_trips - one.idle_round_trips - two.idle_round_trips)
            / delivered,
            1,
        ),
        "load_avg_1m_at_start": round(load_at_start, 2),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
