"""The worker half of bench.core, in its own process: runs the core's jobs and prints
``<message id> <wall time>`` for every answer; on SIGTERM, its Redis round trips as JSON."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from typing import Any

from bench.core import ROUND_TRIPS, AnswerSink, NoSource, TimingTransport, bench_core
from core.events import Target


class PrintingSink(AnswerSink):
    def _answer(self, target: Target) -> None:
        sys.stdout.write(f"{target.message_id} {time.time():.6f}\n")
        sys.stdout.flush()


async def main(redis_url: str, backend: str, prefix: str, concurrency: int) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    sink: Any = PrintingSink()
    transport = TimingTransport()
    async with bench_core(
        redis_url,
        backend,
        sink,
        transport,
        concurrency=concurrency,
        prefix=prefix,
        source=NoSource(),
    ):
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        await stop.wait()
        totals = {"round_trips": ROUND_TRIPS[0], "backend_s": transport.spent_s}
        sys.stdout.write(json.dumps(totals) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
