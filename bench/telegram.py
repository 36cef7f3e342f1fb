"""Telegram ingress latency: from an update reaching the adapter to its first progress message.

    python -m bench.telegram [--chats 500] [--max-rate 30,1000]

500 private chats each send a photo at the same moment to the fake Bot API server (tests/fakes,
in this process); the Telegram ingress (`clipbridge telegram`, its own process, the real
python-telegram-bot client) long-polls them, acknowledges each with a "Got it" message (the
progress message the core then edits) and queues it on the real Redis. Measured per chat, on the
fake server's clock: from the getUpdates answer that handed the update over to the
acknowledgement's arrival. Run once per flood limit: Telegram's 30 messages a
second (what a real bot must keep), then a high one to show the adapter's own cost.
Target: p99 <= 300 ms. The last line printed is one JSON object.

Run as a module (``python -m bench.telegram``): run as a script, this file would shadow the
``telegram`` package.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

from redis.asyncio import Redis

from bench.core import fake_backend, forget, percentile
from bots.redis_server import redis_url_for
from bots.sample import make_sample_photo
from tests.fakes.telegram import FakeTelegram


async def run(chats: int, max_rate: float, redis_url: str, backend: str) -> dict[str, float]:
    prefix = f"bench-tg:{time.time_ns()}"
    async with FakeTelegram() as fake:
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "REDIS_PREFIX": prefix,
            "NEMO_API_BASE": backend,
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE": fake.base_url,
            "TELEGRAM_MAX_RATE": str(max_rate),
            "LOG_LEVEL": "WARNING",
        }
        adapter = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bots.cli", "telegram", env=env
        )
        try:
            await fake.wait_for(lambda f: bool(f.calls_of("getUpdates")), within_s=60)
            photo = make_sample_photo(Path("var/bench/tg.jpg"), size=(640, 480)).read_bytes()
            warm_user = fake.user(999, "warm")
            for _ in range(10):  # a running service has its imports and scripts loaded
                fake.send_photo(fake.private_chat(warm_user), warm_user, photo)
            await fake.wait_for(lambda f: len(f.calls_of("sendMessage")) >= 10, within_s=60)
            sent: dict[int, int] = {}
            for n in range(chats):
                user = fake.user(1000 + n, f"user{n}")
                chat = fake.private_chat(user)
                sent[chat["id"]] = fake.send_photo(chat, user, photo)["update_id"]
            await fake.wait_for(lambda f: len(f.calls_of("sendMessage")) >= chats, within_s=600)
        finally:
            adapter.terminate()
            await adapter.wait()
        acked = {
            c.params["chat_id"]: c.at
            for c in fake.calls_of("sendMessage")
            if str(c.params.get("text", "")).startswith("⏳ Got it")
        }
        latencies = [
            (acked[chat] - fake.delivered_at[update]) * 1000 for chat, update in sent.items()
        ]
    async with Redis.from_url(redis_url) as client:
        await forget(client, prefix)
    return {
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies),
        "acknowledged": float(len(latencies)),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=500)
    parser.add_argument("--max-rate", default="30,1000")
    args = parser.parse_args()
    rates = [float(r) for r in args.max_rate.split(",")]
    results: dict[float, dict[str, float]] = {}
    with (
        redis_url_for(os.environ.get("REDIS_URL"), try_local=True) as redis_url,
        fake_backend() as backend,
    ):
        for rate in rates:
            results[rate] = await run(args.chats, rate, redis_url, backend)
    print(f"{'flood limit (msg/s)':>20} {'chats':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for rate, row in results.items():
        print(
            f"{rate:20.0f} {row['acknowledged']:6.0f} {row['p50_ms']:8.1f} "
            f"{row['p99_ms']:8.1f} {row['max_ms']:8.1f}"
        )
    figures: dict[str, float] = {}
    for rate, row in results.items():
        figures |= {f"limit_{rate:.0f}_{key}": round(value, 1) for key, value in row.items()}
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
