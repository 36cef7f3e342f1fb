"""Telegram ingress: the acknowledgement's latency and the adapter's CPU per update.

    python -m bench.telegram [--chats 500] [--max-rate 30,1000] [--steady 30x60]

The fake Bot API (tests/fakes, in this process) hands photos from private chats to the Telegram
ingress (`clipbridge telegram`, its own process, the real python-telegram-bot client), which
long-polls them, acknowledges each with a "Got it" message (the progress message the core then
edits) and queues it on the real Redis. Measured per update, on the fake server's clock: from
the getUpdates answer that handed it over to the acknowledgement's arrival; and the ingress
process's CPU time (user + system, from /proc) divided by the updates it took, whole path.

Two loads:
- steady: updates arrive at a fixed rate for a while (`--steady RATExSECONDS`; 30 a second
  is Telegram's own sending rate), with the product's flood limit (30 messages a second).
  Target: acknowledgement p99 <= 100 ms; <= 1 ms of CPU per update.
- burst: `--chats` chats each send a photo at the same moment, once per flood limit in
  `--max-rate`: Telegram's 30 messages a second, then a high one to show the adapter's own cost.

Two more rows are the floor under the steady one: bench.telegram_bare makes the same calls (the
long poll, the delivery's mark, the acknowledgement, four more round trips to Redis) with aiohttp
and redis-py alone, at the same rate; then only those up to the acknowledgement. Their CPU per
update is what the libraries and the machine cost before any product code runs.

Run as a module (``python -m bench.telegram``): run as a script, this file would shadow the
``telegram`` package. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from redis.asyncio import Redis

from bench.core import fake_backend, forget, percentile
from bench.telegram_bare import RECORDING_ROUND_TRIPS
from bots.redis_server import redis_url_for
from bots.sample import make_sample_photo
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram.objects import JSON

ACK = "⏳ Got it"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """The process's CPU time so far (user + system), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def acknowledged(fake: FakeTelegram) -> dict[int, float]:
    return {
        c.params["chat_id"]: c.at
        for c in fake.calls_of("sendMessage")
        if str(c.params.get("text", "")).startswith(ACK)
    }


@asynccontextmanager
async def ingress(
    max_rate: float, redis_url: str, backend: str
) -> AsyncIterator[tuple[FakeTelegram, asyncio.subprocess.Process, bytes]]:
    """The fake Bot API and a warmed ingress on a fresh prefix; the photo every chat sends."""
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
            "HEALTH_PORT": "0",
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
            yield fake, adapter, photo
        finally:
            adapter.terminate()
            await adapter.wait()
            async with Redis.from_url(redis_url) as client:
                await forget(client, prefix)


def photos(fake: FakeTelegram, photo: bytes, count: int) -> list[JSON]:
    """`count` updates, each a photo from its own private chat, built ahead: building one
    (three JPEG sizes) costs the fake milliseconds, which would delay its answers while the
    clock runs."""
    updates = []
    for n in range(count):
        user = fake.user(1000 + n, f"user{n}")
        updates.append(fake.send_photo(fake.private_chat(user), user, photo, build_only=True))
    return updates


def deliver(fake: FakeTelegram, updates: list[JSON]) -> dict[int, int]:
    """Queue built updates for getUpdates; chat id -> update id."""
    fake.updates.extend(updates)
    fake.notify()
    return {u["message"]["chat"]["id"]: u["update_id"] for u in updates}


def figures(fake: FakeTelegram, sent: dict[int, int], cpu_spent_s: float) -> dict[str, float]:
    acked = acknowledged(fake)
    latencies = [(acked[chat] - fake.delivered_at[update]) * 1000 for chat, update in sent.items()]
    return {
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies),
        "acknowledged": float(len(latencies)),
        "cpu_ms_per_update": cpu_spent_s * 1000 / len(sent),
    }


async def burst(chats: int, max_rate: float, redis_url: str, backend: str) -> dict[str, float]:
    async with ingress(max_rate, redis_url, backend) as (fake, adapter, photo):
        updates = photos(fake, photo, chats)
        before = cpu_s(adapter.pid)
        sent = deliver(fake, updates)
        await fake.wait_for(lambda f: len(acknowledged(f)) >= chats + 1, within_s=600)
        await asyncio.sleep(1)  # the submits that follow the last acknowledgements
        return figures(fake, sent, cpu_s(adapter.pid) - before)


async def steady(
    rate: float, seconds: float, redis_url: str, backend: str, limit: float = 30
) -> dict[str, float]:
    """Open loop: each update arrives on time, whatever became of the ones before."""
    async with ingress(limit, redis_url, backend) as (fake, adapter, photo):
        return await at_rate(fake, adapter.pid, photo, rate, seconds, acked_before=1)


async def at_rate(
    fake: FakeTelegram, pid: int, photo: bytes, rate: float, seconds: float, acked_before: int
) -> dict[str, float]:
    """Hand `rate` photos a second over for `seconds` to the process `pid` (which has sent
    `acked_before` acknowledgements already), each on time; its figures."""
    count = int(rate * seconds)
    updates = photos(fake, photo, count)
    before = cpu_s(pid)
    sent: dict[int, int] = {}
    started = time.monotonic()
    for n, update in enumerate(updates):
        if (wait := started + n / rate - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        sent |= deliver(fake, [update])
    await fake.wait_for(lambda f: len(acknowledged(f)) >= count + acked_before, within_s=120)
    await asyncio.sleep(1)
    return figures(fake, sent, cpu_s(pid) - before)


async def bare(rate: float, seconds: float, redis_url: str, after: int) -> dict[str, float]:
    """`steady`, answered by bench.telegram_bare: the same calls, no product code, with `after`
    round trips to Redis after the acknowledgement."""
    async with FakeTelegram() as fake:
        client = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.telegram_bare",
            f"{fake.base_url}/bot{fake.token}",
            redis_url,
            str(after),
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            assert client.stdout is not None
            assert (await client.stdout.readline()).strip() == b"ready"
            photo = make_sample_photo(Path("var/bench/tg.jpg"), size=(640, 480)).read_bytes()
            return await at_rate(fake, client.pid, photo, rate, seconds, acked_before=0)
        finally:
            client.terminate()
            await client.wait()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=500, help="chats in the burst")
    parser.add_argument("--max-rate", default="30,1000", help="flood limits for the burst")
    parser.add_argument("--steady", default="30x60", help="updates a second x seconds")
    parser.add_argument(
        "--steady-limit", type=float, default=30, help="the flood limit of the steady run"
    )
    return parser.parse_args()


async def main() -> None:
    args = parse_args()
    rate, seconds = (float(part) for part in args.steady.split("x"))
    rows: dict[str, dict[str, float]] = {}
    with (
        redis_url_for(os.environ.get("REDIS_URL"), try_local=True) as redis_url,
        fake_backend() as backend,
    ):
        rows[f"steady {rate:g}/s {seconds:g} s, limit {args.steady_limit:g}"] = await steady(
            rate, seconds, redis_url, backend, args.steady_limit
        )
        rows[f"bare libraries, {rate:g}/s {seconds:g} s"] = await bare(
            rate, seconds, redis_url, RECORDING_ROUND_TRIPS
        )
        rows["bare, to the acknowledgement"] = await bare(rate, seconds, redis_url, 0)
        for limit in (float(r) for r in args.max_rate.split(",")):
            rows[f"burst of {args.chats}, limit {limit:g}/s"] = await burst(
                args.chats, limit, redis_url, backend
            )
    print(
        f"{'load':>30} {'updates':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'CPU ms/upd':>10}"
    )
    for name, row in rows.items():
        print(
            f"{name:>30} {row['acknowledged']:7.0f} {row['p50_ms']:8.1f} {row['p99_ms']:8.1f} "
            f"{row['max_ms']:8.1f} {row['cpu_ms_per_update']:7.2f}"
        )
    keys = [
        "steady",
        "bare",
        "bare_to_ack",
        *(f"burst_limit_{r}" for r in args.max_rate.split(",")),
    ]
    out: dict[str, float] = {}
    for key, row in zip(keys, rows.values(), strict=True):
        out |= {f"{key}_{name}": round(value, 2) for name, value in row.items()}
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main())
