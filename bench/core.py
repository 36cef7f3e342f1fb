"""Core benchmark, on the real Redis: per-message overhead and memory with many jobs in flight.

    python -m bench.core [--rate 1000] [--messages 3000] [--inflight 10000]

1. Overhead: messages are submitted at `--rate` per second (open loop) to 300 chats, against a
   backend that answers at once (bench.fake_nemo, in its own process). "help" messages touch no
   backend; "credits" make one backend call, whose time is subtracted. Redis round trips are
   counted at the connection (one per command or pipeline sent).
2. Memory: `--inflight` chats each ask for an export against a slow backend (50 ms a call,
   renders never finish) with one worker in this process; peak RSS once every export is in
   flight and being polled.

Targets: overhead median <= 1 ms, p99 <= 5 ms, <= 3 round trips per "help"; RSS <= 1 GiB.
"help" is answered at ingress (the chat's own commands need no job), "credits" by the worker.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.connection import Connection, UnixDomainSocketConnection

from bots.redis_server import redis_url_for
from bots.runtime import running_worker
from core.app import Core
from core.bootstrap import build_core
from core.events import Problem, Progress, Reply, Target, VideoReady
from core.fair_use import LIMIT_NAMES
from core.jobs import JobLimits
from core.messages import ChatRef, Inbound, Sender
from core.ports import PlatformPorts
from core.settings import Settings

ROUND_TRIPS = [0]
# Of those, the blocking reads of saq's idle job slots that ended with no job: a slot waits a
# second at a time, so an idle worker makes one a second per slot, whatever the load.
IDLE_READS = [0]


class Counting:
    """Counts each command or pipeline sent, and the blocking dequeues answered with nothing."""

    _blocking = False

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        ROUND_TRIPS[0] += 1
        first = command[0] if isinstance(command, list) and command else command
        self._blocking = b"BLMOVE" in bytes(first[:32])
        await super().send_packed_command(command, check_health)  # type: ignore[misc]

    async def read_response(self, *args: Any, **kwargs: Any) -> Any:
        response = await super().read_response(*args, **kwargs)  # type: ignore[misc]
        if self._blocking and response is None:
            IDLE_READS[0] += 1
        self._blocking = False
        return response


class CountingConnection(Counting, Connection):
    pass


class CountingUnixConnection(Counting, UnixDomainSocketConnection):
    pass


def counting_redis(url: str) -> Redis:
    kind = CountingUnixConnection if url.startswith("unix://") else CountingConnection
    pool = BlockingConnectionPool.from_url(
        url, connection_class=kind, max_connections=500, timeout=30
    )
    return Redis(connection_pool=pool)


class TimingTransport(httpx.AsyncBaseTransport):
    """Adds up the time spent waiting for the backend, per message being processed."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=200))
        self.spent_s = 0.0
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        response = await self._inner.handle_async_request(request)
        await response.aread()
        self.spent_s += time.perf_counter() - started
        self.calls += 1
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class AnswerSink:
    """A chat platform for which a reply, a video or a problem all answer a message."""

    def _answer(self, target: Target) -> None:
        raise NotImplementedError

    async def progress(self, target: Target, progress: Progress, ref: str | None) -> str | None:
        return ref or "p"

    async def reply(self, target: Target, reply: Reply) -> None:
        self._answer(target)

    async def video(self, target: Target, video: VideoReady) -> None:
        self._answer(target)

    async def problem(self, target: Target, problem: Problem) -> None:
        self._answer(target)


class StopwatchSink(AnswerSink):
    """Notes when each message's answer arrived."""

    def __init__(self) -> None:
        self.answered: dict[str, float] = {}
        self.done = asyncio.Event()
        self.expected = 0

    def _answer(self, target: Target) -> None:
        self.answered.setdefault(target.message_id, time.perf_counter())
        if len(self.answered) >= self.expected:
            self.done.set()


class NoSink:
    """The ingress side says nothing: answers come from the worker process."""

    async def progress(self, target: Target, progress: Progress, ref: str | None) -> str | None:
        return ref

    async def reply(self, target: Target, reply: Reply) -> None: ...

    async def video(self, target: Target, video: VideoReady) -> None: ...

    async def problem(self, target: Target, problem: Problem) -> None: ...


class NoSource:
    async def open(self, attachment: Any) -> AsyncIterator[bytes]:
        yield b""


@contextmanager
def fake_backend(*options: str) -> Iterator[str]:
    """`bench.fake_nemo` in its own process with these command-line options; its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.fake_nemo", *options],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    port = int(process.stdout.readline())
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait()
        process.stdout.close()


async def forget(redis: Redis, prefix: str) -> None:
    """Delete every key a bench run wrote under `prefix` (saq's included)."""
    async for key in redis.scan_iter(match=f"*{prefix}*", count=1000):
        await redis.delete(key)


def bench_settings(
    redis_url: str, backend: str, prefix: str, concurrency: int, **more: Any
) -> Settings:
    """The product's defaults on the bench's Redis and backend, with the shared operator
    token, and every fair-use limit off: a bench's few senders would hit them."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        redis_url=redis_url,
        redis_prefix=prefix,
        nemo_api_base=backend,
        nemo_token=SecretStr("bench-operator-token"),
        worker_concurrency=concurrency,
        work_dir=Path("var/bench"),
        **more,
    )
    return settings.model_copy(update=dict.fromkeys(LIMIT_NAMES.values(), 0))


@asynccontextmanager
async def bench_core(
    redis_url: str,
    backend: str,
    sink: Any,
    transport: httpx.AsyncBaseTransport | None,
    *,
    concurrency: int,
    prefix: str | None = None,
    source: Any = None,
    worker: bool = True,
    poll_s: tuple[float, float] = (2, 10),
) -> AsyncIterator[Core]:
    """A core on `prefix` (a fresh one by default, deleted afterwards when it was ours), polling
    renders no sooner and no later than `poll_s`."""
    owned = prefix is None
    prefix = prefix or f"bench:{uuid.uuid4().hex[:8]}"
    settings = bench_settings(
        redis_url, backend, prefix, concurrency, render_poll_min_s=poll_s[0],
        render_poll_max_s=poll_s[1],
    )  # fmt: skip
    redis, job_redis = counting_redis(redis_url), counting_redis(redis_url)
    try:
        async with httpx.AsyncClient(transport=transport, timeout=30) as http:
            core = build_core(
                settings,
                redis=redis,
                job_redis=job_redis,
                http=http,
                nemo_base_url=backend,
                platforms={"bench": PlatformPorts(source or NoSource(), sink)},
                job_limits=JobLimits(heartbeat_s=30, sweep_s=10),
            )
            if worker:
                async with running_worker(core, grace_s=1):
                    yield core
            else:
                yield core
    finally:
        if owned:
            await forget(redis, prefix)
        await redis.aclose(close_connection_pool=True)
        await job_redis.aclose(close_connection_pool=True)


def inbound(chat: int, text: str) -> Inbound:
    return Inbound(
        message_id=uuid.uuid4().hex,
        chat=ChatRef("bench", f"c{chat}"),
        sender=Sender("u"),
        text=text,
        language="en",
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def overhead(
    redis_url: str, backend: str, rate: float, count: int, text: str
) -> dict[str, float]:
    """Ingress here, one worker in its own process (the deployment's split of roles)."""
    prefix = f"bench:{uuid.uuid4().hex[:8]}"
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.core_worker",
        redis_url,
        backend,
        prefix,
        "64",
        stdout=asyncio.subprocess.PIPE,
    )
    assert worker.stdout is not None
    assert (await worker.stdout.readline()).strip() == b"ready"
    answered: dict[str, float] = {}
    all_in = asyncio.Event()

    async def read_answers() -> dict[str, Any]:
        assert worker.stdout is not None
        async for raw in worker.stdout:
            line = raw.decode().strip()
            if line.startswith("{"):
                return dict(json.loads(line))
            message_id, _, at = line.partition(" ")
            answered[message_id] = float(at)
            if len(answered) >= count + 1:
                all_in.set()
        return {}

    class IngressAnswers(AnswerSink):
        """The chat's own commands are answered at ingress, in this process."""

        def _answer(self, target: Target) -> None:
            answered[target.message_id] = time.time()
            if len(answered) >= count + 1:
                all_in.set()

    reader = asyncio.create_task(read_answers())
    ROUND_TRIPS[0] = 0
    try:
        async with bench_core(
            redis_url, backend, IngressAnswers(), None, concurrency=1, prefix=prefix, worker=False
        ) as core:
            await core.submit(inbound(10_000, text))  # warm-up, not counted below
            sent: dict[str, float] = {}
            submit_ms: list[float] = []

            async def submit(message: Inbound) -> None:
                sent[message.message_id] = time.time()
                before = time.perf_counter()
                await core.submit(message)
                submit_ms.append((time.perf_counter() - before) * 1000)

            started = time.perf_counter()
            tasks = []
            for n in range(count):  # open loop: each message leaves on time
                due = started + n / rate
                if (wait := due - time.perf_counter()) > 0:
                    await asyncio.sleep(wait)
                tasks.append(asyncio.create_task(submit(inbound(n % 300, text))))
            await asyncio.gather(*tasks)
            await asyncio.wait_for(all_in.wait(), 300)
            elapsed = time.perf_counter() - started
            ingress_trips = ROUND_TRIPS[0]
    finally:
        worker.terminate()
        totals = await reader
        await worker.wait()
        async with counting_redis(redis_url) as redis:
            await forget(redis, prefix)
    e2e = [(answered[mid] - at) * 1000 for mid, at in sent.items()]
    backend_ms = totals.get("backend_s", 0.0) * 1000 / (count + 1)
    net = [max(0.0, value - backend_ms) for value in e2e]
    return {
        "submit_median_ms": statistics.median(submit_ms),
        "submit_p99_ms": percentile(submit_ms, 0.99),
        "e2e_median_ms": statistics.median(e2e),
        "e2e_p99_ms": percentile(e2e, 0.99),
        "overhead_median_ms": statistics.median(net),
        "overhead_p99_ms": percentile(net, 0.99),
        "backend_ms_per_message": backend_ms,
        "submit_round_trips_per_message": ingress_trips / count,
        "round_trips_per_message": (ingress_trips + totals.get("round_trips", 0)) / (count + 1),
        "achieved_rate": count / elapsed,
    }


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def memory(redis_url: str, backend: str, inflight: int) -> dict[str, float]:
    sink, transport = StopwatchSink(), TimingTransport()
    sink.expected = inflight + 1  # renders never finish: nothing is answered
    peak = rss_mib()
    async with bench_core(redis_url, backend, sink, transport, concurrency=200) as core:
        for n in range(inflight):
            await core.submit(inbound(n, "export"))
        records = 0
        deadline = time.monotonic() + 600
        while records < inflight and time.monotonic() < deadline:
            await asyncio.sleep(10)
            peak = max(peak, rss_mib())
            records = 0
            async for _ in core.redis.scan_iter(match=f"{core.keys.prefix}:render:*", count=5000):
                records += 1
        polled_from = transport.calls
        for _ in range(10):  # keep every export being polled for a while
            await asyncio.sleep(2)
            peak = max(peak, rss_mib())
        polls = transport.calls - polled_from
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "exports_in_flight": records,
        "backend_calls_in_last_20_s": polls,
        "peak_rss_mib": max(peak, max_rss),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--inflight", type=int, default=10_000, help="0: skip the memory part")
    args = parser.parse_args()
    with redis_url_for(os.environ.get("REDIS_URL"), try_local=True) as redis_url:
        with fake_backend() as instant:
            help_run = await overhead(redis_url, instant, args.rate, args.messages, "help")
            credit_run = await overhead(redis_url, instant, args.rate, args.messages, "credits")
        held = {"exports_in_flight": 0.0, "backend_calls_in_last_20_s": 0.0, "peak_rss_mib": 0.0}
        if args.inflight:  # --inflight 0: the overhead only
            with fake_backend("--delay", "0.05") as slow:
                held = await memory(redis_url, slow, args.inflight)
    rows = [("help (no backend call)", help_run), ("credits (one backend call)", credit_run)]
    print(
        f"{'messages':28} {'rate/s':>7} {'submit p50/p99 ms':>18} {'overhead p50/p99 ms':>20} "
        f"{'e2e p50/p99 ms':>16} {'redis RT/msg':>12}"
    )
    for name, run in rows:
        print(
            f"{name:28} {run['achieved_rate']:7.0f} "
            f"{run['submit_median_ms']:8.2f}/{run['submit_p99_ms']:<8.2f} "
            f"{run['overhead_median_ms']:9.2f}/{run['overhead_p99_ms']:<9.2f} "
            f"{run['e2e_median_ms']:7.1f}/{run['e2e_p99_ms']:<7.1f} "
            f"{run['round_trips_per_message']:12.1f}"
        )
    print(
        f"\nexports in flight: {held['exports_in_flight']:.0f}, backend calls in the last 20 s: "
        f"{held['backend_calls_in_last_20_s']:.0f}, peak RSS: {held['peak_rss_mib']:.0f} MiB"
    )
    figures = {f"help_{k}": round(v, 3) for k, v in help_run.items()}
    figures |= {f"credits_{k}": round(v, 3) for k, v in credit_run.items()}
    figures |= {k: round(v, 1) for k, v in held.items()}
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
