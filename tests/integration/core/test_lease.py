"""The chat's lease: held for as long as a message or an export step runs, and handed back to
the turn that adopted an export, whatever the export's own record says."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from redis.asyncio import Redis

from bots.runtime import wait_until_idle
from core.store import as_str
from core.texts import text
from tests.fixtures.core import (
    CoreFor,
    HeldUploads,
    RecordingSink,
    message,
    running_core,
    settings_for,
)
from tests.fixtures.engine import EngineFactory


async def test_a_quiet_agent_keeps_the_chat_past_its_lease(
    core_for: CoreFor,
    make_engine: EngineFactory,
    photo: Path,
    tmp_path: Path,
) -> None:
    """The agent thinks for longer than the lease with nothing on the stream, not even a
    heartbeat. The janitor, run all along, finds the chat owned every time: no second turn
    starts, so the agent's answer reaches the chat and the video follows once."""
    engine = make_engine(think_s=8.0, heartbeat_s=60.0)
    sink = RecordingSink(tmp_path / "kept")
    async with core_for(engine.base_url, sink, lease_s=5) as runtime:
        await runtime.core.submit(message("c1", files=(photo,)))
        async with asyncio.timeout(120):
            while not sink.has_outcome():
                assert await runtime.core.restart_stranded_chats() == 0, "the lease lapsed"
                await asyncio.sleep(0.5)
        await wait_until_idle(runtime.core, "test:c1")

    assert not sink.of("problem"), sink.summary()
    assert len(sink.of("video")) == 1, sink.summary()
    assert sink.said("test:c1"), "the agent's answer reached the chat"


async def test_an_export_adopted_mid_delivery_hands_the_chat_to_the_adopting_turn(
    redis: Redis,
    redis_url: str,
    key_prefix: str,
    make_engine: EngineFactory,
    photo: Path,
    tmp_path: Path,
) -> None:
    """The lease ran out while the video was uploading (a Redis hiccup, a stalled worker) and
    the janitor restarted the chat's turn, which adopted the export. When the upload ends, the
    delivery step saves its record: the chat must still go back to the adopting turn, or the
    next message waits until that turn's lease runs out too."""
    engine = make_engine()
    sink = HeldUploads(tmp_path / "kept")
    settings = settings_for(redis_url, key_prefix, engine.base_url, tmp_path / "work")
    async with running_core(settings, sink) as runtime:
        core = runtime.core
        await core.submit(message("c1", files=(photo,)))
        await asyncio.wait_for(sink.uploading.wait(), 90)
        (key,) = [k async for k in redis.scan_iter(f"{key_prefix}:render:*")]
        first_owner = json.loads(await redis.get(key) or "{}")["token"]

        try:  # whatever fails here, the held upload must end, or the core cannot stop
            await redis.delete(core.keys.lease("test:c1"))  # what a lapsed lease looks like
            assert await core.restart_stranded_chats() == 1  # the janitor's minute, now
            new_owner = as_str(await redis.get(core.keys.lease("test:c1")))
            # The restarted turn adopts the export and ends.
            turn = await core.job_queue.job(core.keys.job(f"turn:{new_owner}:0"))
            assert turn is not None
            await turn.refresh(until_complete=30)
        finally:
            sink.answer.set()  # the upload ends; the step saves its record and hands back
        await core.submit(message("c1", "/help"))
        await sink.wait_for(lambda s: text("help", "en") in s.said("test:c1"), 20)
        await wait_until_idle(core, "test:c1")

    assert new_owner and new_owner != first_owner
    assert len(sink.of("video")) == 1, sink.summary()
    assert not sink.of("problem"), sink.summary()
