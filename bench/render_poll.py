"""Render polling benchmark: how soon a finished render reaches the chat, and what it costs.

    python -m bench.render_poll [--chats 20] [--render-s 20 45 90]

For each render length, `--chats` chats each ask for an export at once from a backend whose
renders take exactly that long and report their progress as they go (bench.fake_nemo), with the
product's polling limits (2-30 s). The backend notes when each render was done, how often its
status was asked for, and when its file was fetched for delivery. Reported per length:

- lag: from the render being done to its file being fetched (p50, p99);
- status calls per render, against what polling every 10 s would make.

Targets: lag median <= 3 s, and no more status calls than polling every 10 s. The last line
printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import time
from typing import Any

import httpx

from bench.core import StopwatchSink, bench_core, fake_backend, inbound, percentile
from bots.redis_server import redis_url_for

TARGET_LAG_S = 3.0
POLL_LIMITS_S = (2.0, 30.0)  # the product's defaults (RENDER_POLL_MIN_S, RENDER_POLL_MAX_S)


def every_ten_seconds(render_s: float) -> int:
    """Status calls a 10-second poll makes until it sees the render done."""
    return math.ceil(render_s / 10) + (render_s % 10 == 0)


async def one_length(redis_url: str, render_s: float, chats: int) -> dict[str, Any]:
    with fake_backend("--render-s", str(render_s)) as backend:
        sink = StopwatchSink()
        sink.expected = chats
        async with bench_core(
            redis_url, backend, sink, None, concurrency=64, poll_s=POLL_LIMITS_S
        ) as core:
            for chat in range(chats):
                await core.submit(inbound(chat, "export"))
            await asyncio.wait_for(sink.done.wait(), render_s * 3 + 120)
        async with httpx.AsyncClient() as http:
            renders = (await http.get(f"{backend}/_stats")).json()["renders"]
    delivered = [r for r in renders.values() if r["fetched_at"] is not None]
    lags = [r["fetched_at"] - r["done_at"] for r in delivered]
    calls = [r["status_calls"] for r in delivered]
    return {
        "render_s": render_s,
        "renders": len(delivered),
        "lag_p50_s": round(statistics.median(lags), 2),
        "lag_p99_s": round(percentile(lags, 0.99), 2),
        "status_calls": round(statistics.mean(calls), 2),
        "calls_at_10s": every_ten_seconds(render_s),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=20)
    parser.add_argument("--render-s", type=float, nargs="+", default=[20.0, 45.0, 90.0])
    args = parser.parse_args()
    started = time.monotonic()
    with redis_url_for(os.environ.get("REDIS_URL"), try_local=True) as redis_url:
        rows = [await one_length(redis_url, length, args.chats) for length in args.render_s]
    print(
        f"{'render s':>9}{'renders':>9}{'lag p50 s':>11}{'lag p99 s':>11}{'calls':>8}{'at 10 s':>9}"
    )
    for row in rows:
        print(
            f"{row['render_s']:9.0f}{row['renders']:9d}{row['lag_p50_s']:11.2f}"
            f"{row['lag_p99_s']:11.2f}{row['status_calls']:8.1f}{row['calls_at_10s']:9d}"
        )
    met = all(
        row["lag_p50_s"] <= TARGET_LAG_S and row["status_calls"] <= row["calls_at_10s"]
        for row in rows
    )
    print(f"targets (lag median <= {TARGET_LAG_S:g} s, calls <= 10-s polling): "
          f"{'met' if met else 'MISSED'}; {time.monotonic() - started:.0f} s")  # fmt: skip
    figures: dict[str, Any] = {"chats": args.chats}
    for row in rows:
        length = int(row["render_s"])
        figures[f"lag_p50_s_at_{length}s"] = row["lag_p50_s"]
        figures[f"lag_p99_s_at_{length}s"] = row["lag_p99_s"]
        figures[f"status_calls_at_{length}s"] = row["status_calls"]
        figures[f"status_calls_10s_polling_at_{length}s"] = row["calls_at_10s"]
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
