"""End to end: a Telegram photo in, the MP4 in the chat, and what the product adds to the wait.

    python -m bench.e2e [--chats 1,20,100] [--think-s 3] [--render-s 25]

The fake Bot API (tests/fakes, in this process) hands each chat's photo to the Telegram ingress
(`clipbridge telegram`, its own process, the real python-telegram-bot client); one job worker
(`clipbridge worker`, its own process) relays the photo to the backend, waits for the agent,
exports, polls the render, downloads the MP4 and sends it with `sendVideo`. The backend
(bench.fake_nemo, its own process) answers the agent in a fixed `--think-s` and renders in a
fixed `--render-s`, so the rest of the wait is the product's: the overhead.

Each chat's photo carries a tag in its bytes, so the backend's journal says which session was
whose. Every time is read on the servers' monotonic clock (one clock for the machine's
processes). Per job:

    ingress    the update handed over by getUpdates -> the "Got it" message arriving
    queue      "Got it" -> the worker asking for the photo (getFile): queue wait, session
    relay      getFile -> the photo's upload to the backend done
    agent      upload done -> the render submitted, minus the agent's own `--think-s`
    poll lag   the render done -> its file asked for
    download   the file asked for -> sendVideo beginning (download, thumbnail, cover)
    upload     sendVideo's request, first byte to last

    overhead   update handed over -> sendVideo arrived, minus `--think-s` and `--render-s`

Run once per number of chats sending at the same moment, each on a fresh Redis prefix.
Targets: with 20 chats, overhead median <= 1.5 s and p99 <= 3 s; the video in the chat a median
<= 3 s after its render is done, with no more status calls than polling every 10 s would make.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis

from bench.core import fake_backend, forget, percentile
from bench.fake_nemo import TAG
from bots.redis_server import redis_url_for
from bots.sample import make_sample_photo
from tests.fakes.telegram import FakeTelegram

STAGES = ("ingress", "queue", "relay", "agent", "poll_lag", "download", "upload")


@dataclass(frozen=True)
class Job:
    """One chat's photo, from the update to the video, in seconds."""

    stages: dict[str, float]
    total_s: float
    overhead_s: float
    after_render_s: float  # the render done -> the video in the chat
    status_calls: int


def tagged_photo(base: bytes, tag: int) -> bytes:
    """The photo with a tag after its end: viewers ignore it, the backend's journal reads it."""
    return base + TAG + str(tag).encode()


class Run:
    """One round: `chats` chats each send a photo at once; the jobs' figures."""

    def __init__(self, fake: FakeTelegram, backend: str, args: argparse.Namespace) -> None:
        self.fake = fake
        self.backend = backend
        self.args = args

    async def send(self, chats: int, first_tag: int, photo: bytes) -> dict[int, dict[str, Any]]:
        """Every chat's photo, at once; per tag: its chat, update and file."""
        sent: dict[int, dict[str, Any]] = {}
        for n in range(chats):
            tag = first_tag + n
            user = self.fake.user(tag, f"user{tag}")
            chat = self.fake.private_chat(user)
            update = self.fake.send_photo(chat, user, tagged_photo(photo, tag))
            largest = update["message"]["photo"][-1]["file_id"]
            sent[tag] = {"chat": chat["id"], "update": update["update_id"], "file": largest}
        return sent

    async def wait_videos(self, sent: dict[int, dict[str, Any]], within_s: float) -> None:
        chats = {job["chat"] for job in sent.values()}

        def all_in(fake: FakeTelegram) -> bool:
            return chats <= {c.params.get("chat_id") for c in fake.calls_of("sendVideo")}

        await self.fake.wait_for(all_in, within_s=within_s)

    async def jobs(self, sent: dict[int, dict[str, Any]]) -> list[Job]:
        async with httpx.AsyncClient() as http:
            journal = (await http.get(f"{self.backend}/_stats")).json()
        by_tag = {s["tag"]: s for s in journal["sessions"].values() if "tag" in s}
        renders = journal["renders"]
        fake, think, render = self.fake, self.args.think_s, self.args.render_s
        acks = _first_by_chat(fake.calls_of("sendMessage"))
        files = {c.params.get("file_id"): c for c in fake.calls_of("getFile")}
        videos = _first_by_chat(fake.calls_of("sendVideo"))
        found = []
        for tag, job in sent.items():
            session = by_tag[tag]
            rid = session["renders"][-1]
            done_at = renders[rid]["done_at"]
            fetched = renders[rid]["fetched_at"]
            served = fake.delivered_at[job["update"]]
            ack, got_file, video = acks[job["chat"]], files[job["file"]], videos[job["chat"]]
            stages = {
                "ingress": ack.at - served,
                "queue": got_file.began - ack.at,
                "relay": session["upload_done"] - got_file.began,
                "agent": (done_at - render) - session["upload_done"] - think,
                "poll_lag": fetched - done_at,
                "download": video.began - fetched,
                "upload": video.at - video.began,
            }
            total = video.at - served
            found.append(
                Job(stages, total, total - think - render, video.at - done_at,
                    renders[rid]["status_calls"])
            )  # fmt: skip
        return found


def _first_by_chat(calls: list[Any]) -> dict[Any, Any]:
    first: dict[Any, Any] = {}
    for call in calls:
        first.setdefault(call.params.get("chat_id"), call)
    return first


def adapter_env(fake: FakeTelegram, redis_url: str, prefix: str, backend: str) -> dict[str, str]:
    return {
        **os.environ,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": prefix,
        "NEMO_API_BASE": backend,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE": fake.base_url,
        "WORK_DIR": "var/bench/e2e",
        "HEALTH_PORT": "0",
        "LOG_LEVEL": "WARNING",
    }


async def one_level(
    chats: int, level: int, redis_url: str, backend: str, args: argparse.Namespace, photo: bytes
) -> list[Job]:
    """Ingress and worker started on a fresh prefix, warmed with one job, then `chats` at once."""
    prefix = f"bench-e2e:{time.time_ns()}"
    async with FakeTelegram() as fake:
        env = adapter_env(fake, redis_url, prefix, backend)
        logs = {role: Path(f"var/bench/e2e-{role}.log") for role in ("telegram", "worker")}
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bots.cli", role, env=env, stderr=log.open("wb")
            )
            for role, log in logs.items()
        ]
        try:
            await fake.wait_for(lambda f: bool(f.calls_of("getUpdates")), within_s=60)
            run = Run(fake, backend, args)
            warm = await run.send(1, level * 10_000, photo)  # imports and scripts loaded
            await run.wait_videos(warm, within_s=120)
            sent = await run.send(chats, level * 10_000 + 1, photo)
            await run.wait_videos(sent, within_s=args.timeout_s)
            return await run.jobs(sent)
        except TimeoutError:
            for log in logs.values():
                print(f"-- {log}:\n{log.read_text()[-3000:]}", file=sys.stderr)
            raise
        finally:
            for process in processes:
                if process.returncode is None:
                    process.terminate()
            for process in processes:
                await process.wait()
            async with Redis.from_url(redis_url) as client:
                await forget(client, prefix)


def summary(jobs: list[Job]) -> dict[str, float]:
    def p50(values: list[float]) -> float:
        return statistics.median(values) * 1000

    def p99(values: list[float]) -> float:
        return percentile(values, 0.99) * 1000

    figures = {
        "overhead_p50_ms": p50([j.overhead_s for j in jobs]),
        "overhead_p99_ms": p99([j.overhead_s for j in jobs]),
        "after_render_p50_ms": p50([j.after_render_s for j in jobs]),
        "after_render_p99_ms": p99([j.after_render_s for j in jobs]),
        "status_calls_max": float(max(j.status_calls for j in jobs)),
    }
    for stage in STAGES:
        values = [j.stages[stage] for j in jobs]
        figures[f"{stage}_p50_ms"] = p50(values)
        figures[f"{stage}_p99_ms"] = p99(values)
    return figures


def print_table(results: dict[int, dict[str, float]], args: argparse.Namespace) -> None:
    ten_s_polls = math.floor(args.render_s / 10) + 1
    print(
        f"agent {args.think_s:g} s and render {args.render_s:g} s (the backend's own time, "
        f"taken out); p50/p99 in ms\nstatus calls: polling every 10 s would make {ten_s_polls}\n"
    )
    print(f"{'chats':>16}" + "".join(f"{n:>16}" for n in results))
    for stage in (*STAGES, "overhead", "after_render"):
        cells = "".join(
            f"{row[f'{stage}_p50_ms']:>8.0f}/{row[f'{stage}_p99_ms']:<7.0f}"
            for row in results.values()
        )
        label = {"after_render": "render->video"}.get(stage, stage.replace("_", " "))
        print(f"{label:>16}{cells}")
    calls = "".join(f"{row['status_calls_max']:>16.0f}" for row in results.values())
    print(f"{'status calls':>16}{calls}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", default="1,20,100", help="chats at once, per round")
    parser.add_argument("--think-s", type=float, default=3.0, help="the agent's answer time")
    parser.add_argument("--render-s", type=float, default=25.0, help="the render's time")
    parser.add_argument("--timeout-s", type=float, default=300.0, help="per round, at most")
    return parser.parse_args()


async def main() -> None:
    args = parse_args()
    photo = make_sample_photo(Path("var/bench/e2e.jpg"), size=(640, 480)).read_bytes()
    results: dict[int, dict[str, float]] = {}
    options = ("--render-s", str(args.render_s), "--think-s", str(args.think_s))
    with (
        redis_url_for(os.environ.get("REDIS_URL"), try_local=True) as redis_url,
        fake_backend(*options) as backend,
    ):
        for level, chats in enumerate(int(n) for n in args.chats.split(",")):
            results[chats] = summary(await one_level(chats, level, redis_url, backend, args, photo))
    print_table(results, args)
    figures = {
        f"chats_{chats}_{key}": round(value, 1)
        for chats, row in results.items()
        for key, value in row.items()
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
