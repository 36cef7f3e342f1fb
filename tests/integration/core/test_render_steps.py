"""How an export's steps follow a render, against a backend whose renders take a fixed time
(bench.fake_nemo: progress rises evenly, then the file is there)."""

from __future__ import annotations

import json
from pathlib import Path

from redis.asyncio import Redis

from bench.core import fake_backend
from core.store import Keys
from core.store.connection import as_str
from tests.fixtures.core import RecordingSink, message, running_core, settings_for


async def test_a_render_seen_just_before_its_end_is_delivered_by_the_step_that_saw_it(
    redis: Redis, redis_url: str, key_prefix: str, photo: Path, tmp_path: Path
) -> None:
    """A look that finds the render a moment from its end (less than the shortest delay a
    step is scheduled with) waits for it in the same step, rather than leave a job for one
    more look: the video comes as soon, with a step fewer (each costs Redis eight round trips)."""
    with fake_backend("--render-s", "3", "--think-s", "0") as backend:
        settings = settings_for(
            redis_url, key_prefix, backend, tmp_path / "work",
            render_poll_min_s=2.0, render_poll_max_s=10.0,
        )  # fmt: skip
        sink = RecordingSink(tmp_path / "kept")
        async with running_core(settings, sink) as runtime:
            await runtime.core.submit(message("c1", "make a video", files=(photo,)))
            await sink.wait_for(lambda s: bool(s.of("video") or s.of("problem")), 60)
    assert not sink.of("problem"), sink.summary()
    records = [
        json.loads(as_str(await redis.get(key)))
        async for key in redis.scan_iter(match=Keys(key_prefix).render("*"))
    ]
    (record,) = records
    # The submit, then a look after the shortest delay (2 s) that finds the render about a
    # second from its end: that step waits and delivers. Before, a third step delivered.
    assert record["delivered"] and record["step"] <= 1, record
    # How long it took is kept once, for the next renders' estimates: submitted to seen done.
    (took,) = await redis.lrange(Keys(key_prefix).render_durations(), 0, -1)
    assert 3.0 <= float(took) < 6.0, took
