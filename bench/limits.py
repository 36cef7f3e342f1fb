"""Fair-use decisions per second on the real Redis.

    python -m bench.limits [--seconds 5]

Each decision is what a message costs at ingress: one Lua script checking and counting a user
limit and a chat limit (fixed windows), over 1,000 users in 100 chats. Measured with 1, 16 and
64 callers at once in one process. Target: >= 5,000 decisions a second.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time
import uuid

from bench.core import forget, percentile
from bots.redis_server import redis_url_for
from core.store import Keys, Limit, Limiter, close_client, redis_client


async def run(limiter: Limiter, callers: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    rng = random.Random(callers)

    async def caller() -> None:
        while time.perf_counter() < deadline:
            user, chat = rng.randrange(1000), rng.randrange(100)
            limits = [
                Limit("messages", f"user:{user}", 1_000_000, 60),
                Limit("messages", f"chat:{chat}", 1_000_000, 60),
            ]
            started = time.perf_counter()
            await limiter.decide(limits, f"{user}")
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(callers)))
    elapsed = time.perf_counter() - started
    return {
        "decisions_per_s": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    prefix = f"bench-limits:{uuid.uuid4().hex[:8]}"
    results: dict[int, dict[str, float]] = {}
    with redis_url_for(os.environ.get("REDIS_URL"), try_local=True) as url:
        redis = redis_client(url, max_connections=128)
        limiter = Limiter(redis, Keys(prefix))
        await limiter.decide([Limit("warm", "up", 1, 60)], "warm")  # loads the script
        for callers in (1, 16, 64):
            results[callers] = await run(limiter, callers, args.seconds)
        await forget(redis, prefix)
        await close_client(redis)
    print(f"{'callers':>8} {'decisions/s':>12} {'p50 ms':>8} {'p99 ms':>8}")
    for callers, row in results.items():
        print(
            f"{callers:8d} {row['decisions_per_s']:12.0f} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f}"
        )
    best = max(results.values(), key=lambda row: row["decisions_per_s"])
    figures: dict[str, float] = {"best_decisions_per_s": round(best["decisions_per_s"])}
    for callers, row in results.items():
        figures |= {f"callers_{callers}_{k}": round(v, 3) for k, v in row.items()}
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
