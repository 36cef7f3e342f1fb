"""Chaos, for `make soak`: a worker killed with SIGKILL at a random point of a job, a hundred
times. Each run is one chat sending a photo; a stage is drawn (upload, SSE, render polling,
download and delivery), and the worker that shows the chat at that stage is killed a random
moment later. A replacement starts at once, as a supervisor would. Every chat must get its
video exactly once."""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter
from functools import partial
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bots.runtime import wait_until_idle
from tests.fixtures.core import RecordingSink, message, running_core, settings_for
from tests.fixtures.engine import EngineFactory
from tests.fixtures.soak import SoakRow, record
from tests.fixtures.workers import WorkerPool, eventually, worker_env

RUNS = int(os.environ.get("SOAK_RUNS", "100"))
# The stages a chat shows, and what the worker is doing then: sending the photo to the
# backend, reading the agent's SSE stream, polling the render, downloading and delivering.
STAGES = ("uploading", "thinking", "rendering", "delivering")


@pytest.mark.slow
@pytest.mark.timeout(3600)
async def test_kill_9_at_random_points(
    redis: Redis,
    redis_url: str,
    key_prefix: str,
    make_engine: EngineFactory,
    photo: Path,
    tmp_path: Path,
) -> None:
    engine = make_engine(
        default_duration_s=6.0, fps=10, x264_preset="ultrafast", think_s=0.4, heartbeat_s=0.2
    )
    pool = WorkerPool(
        tmp_path / "workers", worker_env(redis_url, key_prefix, engine.base_url, tmp_path / "work")
    )
    settings = settings_for(redis_url, key_prefix, engine.base_url, tmp_path / "work")
    rng = random.Random(20261124)
    kills: Counter[str] = Counter()
    chats = [f"chaos{n}" for n in range(RUNS)]
    try:
        async with running_core(settings, RecordingSink(tmp_path / "ingress"), worker=False) as app:
            pool.start()
            pool.start()
            for chat in chats:
                stage = rng.choice(STAGES)
                await app.core.submit(message(chat, files=(photo,), sender=f"user-{chat}"))
                victim = await at_stage(pool, chat, stage)
                if victim is not None:
                    # A random point inside the stage, not a wait for anything.
                    await asyncio.sleep(rng.uniform(0.0, 0.4))
                    pool.kill(victim)
                    pool.start()
                    kills[stage] += 1
                await eventually(partial(finished, pool, chat), 240, f"{chat} to finish")
                await asyncio.wait_for(wait_until_idle(app.core, f"test:{chat}"), 120)
            crashes = pool.crashed()
    finally:
        pool.stop()

    videos = Counter(e["chat"] for e in pool.events() if e["type"] == "video")
    problems = Counter(e["chat"] for e in pool.events() if e["type"] == "problem")
    row = SoakRow(
        scenario=f"kill -9 a worker ({', '.join(f'{s} {n}' for s, n in sorted(kills.items()))})",
        runs=RUNS,
        delivered=sum(1 for chat in chats if videos[chat]),
        duplicates=sum(videos[chat] - 1 for chat in chats if videos[chat] > 1),
        lost=sum(1 for chat in chats if not videos[chat]),
        crashes=crashes,
    )
    record(row)
    assert (row.delivered, row.duplicates, row.lost, row.crashes) == (RUNS, 0, 0, 0), (
        row,
        problems,
    )
    assert sum(kills.values()) >= RUNS * 0.9, kills


async def at_stage(pool: WorkerPool, chat: str, stage: str) -> Path | None:
    """The worker that shows `chat` at `stage`; None if the chat finished without one."""
    deadline = asyncio.get_running_loop().time() + 180
    while (found := pool.where(chat, stage)) is None and not finished(pool, chat):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{chat} never reached {stage}")
        await asyncio.sleep(0.05)
    return found


def finished(pool: WorkerPool, chat: str) -> bool:
    return any(e["type"] in ("video", "problem") and e["chat"] == chat for e in pool.events())
