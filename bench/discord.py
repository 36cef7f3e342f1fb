"""Discord acknowledgement latency: from INTERACTION_CREATE to the defer callback.

    python -m bench.discord [--interactions 500]

The Discord ingress (`clipbridge discord`, its own process, the real discord.py client) connects
to the fake Discord (tests/fakes, in this process); 500 /explain interactions with an image are
dispatched at once on the gateway; each must be deferred within Discord's 3-second window.
Measured on the fake's clock: dispatch of INTERACTION_CREATE to the defer callback's arrival,
after ten warm-up interactions (a running service has its imports and scripts loaded).
Target: p99 <= 1 s, never past 3 s. The last line printed is one JSON object.

Run as a module: run as a script, this file would shadow the ``discord`` package.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time

from redis.asyncio import Redis

from bench.core import fake_backend, forget, percentile
from bots.redis_server import redis_url_for
from tests.fakes.discord import FakeDiscord

PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 64


async def run(count: int, redis_url: str, backend: str) -> dict[str, float]:
    prefix = f"bench-dc:{time.time_ns()}"
    async with FakeDiscord() as fake:
        guild = fake.add_guild("Bench", channels=[f"c{n}" for n in range(50)])
        users = [fake.add_user(f"u{n}") for n in range(count)]
        for user in users:
            fake.add_member(guild, user)
        image = fake.add_attachment(PHOTO, filename="p.jpg", content_type="image/jpeg")
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "REDIS_PREFIX": prefix,
            "NEMO_API_BASE": backend,
            "DISCORD_BOT_TOKEN": fake.token,
            "DISCORD_API_BASE": fake.rest_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "LOG_LEVEL": "WARNING",
        }
        ingress = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bots.cli", "discord", env=env
        )
        try:
            await fake.wait_for(lambda: fake.identifies, within_s=60)
            await fake.wait_for(
                lambda: any("commands" in c.path for c in fake.rest_calls), within_s=60
            )
            dispatched: dict[str, float] = {}
            warm = [
                await fake.invoke(
                    "explain",
                    channel=guild["channels"][0],
                    user=users[0],
                    guild=guild,
                    options={"image": image},
                )
                for _ in range(10)
            ]
            await fake.wait_for(lambda: len(fake.callbacks) >= len(warm), within_s=60)

            async def invoke(n: int) -> None:
                channel = guild["channels"][n % len(guild["channels"])]
                at = time.monotonic()
                payload = await fake.invoke(
                    "explain", channel=channel, user=users[n], guild=guild, options={"image": image}
                )
                dispatched[payload["token"]] = at

            await asyncio.gather(*(invoke(n) for n in range(count)))
            await fake.wait_for(lambda: len(fake.callbacks) >= count + len(warm), within_s=120)
        finally:
            ingress.terminate()
            await ingress.wait()
        deferred = {c.token: c.at for c in fake.callbacks}
        latencies = [(deferred[t] - at) * 1000 for t, at in dispatched.items() if t in deferred]
    async with Redis.from_url(redis_url) as client:
        await forget(client, prefix)
    return {
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies),
        "over_3s": float(sum(value > 3000 for value in latencies)),
        "deferred": float(len(latencies)),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interactions", type=int, default=500)
    args = parser.parse_args()
    with (
        redis_url_for(os.environ.get("REDIS_URL"), try_local=True) as redis_url,
        fake_backend() as backend,
    ):
        row = await run(args.interactions, redis_url, backend)
    print(f"{'interactions':>12} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'over 3 s':>9}")
    print(
        f"{row['deferred']:12.0f} {row['p50_ms']:8.1f} {row['p99_ms']:8.1f} "
        f"{row['max_ms']:8.1f} {row['over_3s']:9.0f}"
    )
    print(json.dumps({key: round(value, 1) for key, value in row.items()}))


if __name__ == "__main__":
    asyncio.run(main())
