"""Load, for `make soak`: a thousand chats send three messages each (a photo, an edit, a credits
question) to two worker processes, while the backend fails about one call in twenty with a
server error, a reset connection or a body that is not JSON. Every message must get its answer
(the video, the reply, or a plain message about the failure), no job may be lost, and no worker
may log an unhandled error."""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bots.runtime import wait_until_idle
from core.messages import Inbound
from tests.fixtures.core import RecordingSink, message, running_core, settings_for
from tests.fixtures.engine import EngineAdmin, EngineFactory, FaultMode
from tests.fixtures.soak import SoakRow, record
from tests.fixtures.workers import (
    WorkerPool,
    error_records,
    eventually,
    log_lines_with,
    worker_env,
)

CHATS = int(os.environ.get("SOAK_CHATS", "1000"))
FAULT_MODES: tuple[FaultMode, ...] = ("http_500", "http_503", "reset", "malformed")
FAULT_SHARE = 0.05


@pytest.mark.slow
@pytest.mark.timeout(3600)
async def test_a_thousand_chats_three_messages_each_with_five_percent_faults(
    redis: Redis,
    redis_url: str,
    key_prefix: str,
    make_engine: EngineFactory,
    photo: Path,
    tmp_path: Path,
) -> None:
    engine = make_engine(
        default_duration_s=5.0, fps=5, x264_preset="ultrafast", think_s=0.2, render_workers=2
    )
    admin = EngineAdmin(engine.base_url)
    for mode in FAULT_MODES:  # each a quarter of the share, drawn per call
        await admin.arm("any", mode, times=1_000_000, chance=FAULT_SHARE / len(FAULT_MODES))
    env = {
        **worker_env(redis_url, key_prefix, engine.base_url, tmp_path / "work"),
        "LOG_FORMAT": "json",
        "WORKER_CONCURRENCY": "64",
        # The local engine renders on this machine's two cores: the last of a thousand renders
        # waits longer than a real backend would let one wait.
        "RENDER_DEADLINE_S": "3000",
        # Polls back off as in production: a thousand renders polled every second would take
        # the local engine's CPU from the renders themselves.
        "RENDER_POLL_MIN_S": "2",
        "RENDER_POLL_MAX_S": "20",
    }
    pool = WorkerPool(tmp_path / "workers", env)
    settings = settings_for(redis_url, key_prefix, engine.base_url, tmp_path / "work")
    chats = [f"load{n}" for n in range(CHATS)]
    sent: dict[str, tuple[str, str]] = {}  # message id -> (chat, what it was)
    started = time.monotonic()
    try:
        async with running_core(settings, RecordingSink(tmp_path / "ingress"), worker=False) as app:
            pool.start()
            pool.start()
            for chat in chats:
                for what, inbound in three_messages(chat, photo):
                    sent[inbound.message_id] = (chat, what)
                    await app.core.submit(inbound)
            await eventually(lambda: not unanswered(pool, sent), 3000, "every message answered")
            for chat in chats:
                await asyncio.wait_for(wait_until_idle(app.core, f"test:{chat}"), 120)
            crashes = pool.crashed()
    finally:
        pool.stop()
    wall_s = time.monotonic() - started

    stats = await admin.stats()
    injected = sum(stats.events.get(f"fault_{mode}", 0) for mode in FAULT_MODES)
    calls = sum(stats.calls.values())
    videos = Counter(e["message"] for e in pool.events() if e["type"] == "video")
    photos = [m for m, (_, what) in sent.items() if what == "photo"]
    errors = error_records(tmp_path / "workers")
    row = SoakRow(
        scenario=f"{CHATS} chats x 3 messages, {injected} of {calls} backend calls failed",
        runs=len(sent),
        delivered=len(sent) - len(unanswered(pool, sent)),
        duplicates=sum(n - 1 for n in videos.values() if n > 1),
        lost=len(unanswered(pool, sent)),
        crashes=crashes + len(errors),
    )
    record(row)
    told = sum(1 for e in pool.events() if e["type"] == "problem")
    rendered = sum(1 for m in photos if videos[m])
    swept = log_lines_with(tmp_path / "workers", "Sweeping job")
    print(
        f"\nload: {wall_s:.0f} s; {rendered}/{len(photos)} photos rendered; {told} told why not;"
        f" {swept} jobs swept"
    )
    assert (row.lost, row.duplicates, row.crashes) == (0, 0, 0), (row, errors[:3])
    assert injected >= calls * FAULT_SHARE * 0.6, (injected, calls)


def three_messages(chat: str, photo: Path) -> list[tuple[str, Inbound]]:
    sender = f"user-{chat}"
    return [
        ("photo", message(chat, files=(photo,), sender=sender)),
        ("edit", message(chat, f'add a title "{chat}"', sender=sender)),
        ("credits", message(chat, "credits", sender=sender)),
    ]


def unanswered(pool: WorkerPool, sent: dict[str, tuple[str, str]]) -> set[str]:
    """Messages without their answer yet: a photo is answered by its video or a problem, text by
    a reply or a problem."""
    answered: set[str] = set()
    for event in pool.events():
        kind, message_id = event["type"], event.get("message", "")
        what = sent.get(message_id, ("", ""))[1]
        answer = "video" if what == "photo" else "text"
        if kind in ("problem", answer):
            answered.add(message_id)
    return set(sent) - answered
