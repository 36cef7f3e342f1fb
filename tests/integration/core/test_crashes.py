"""A worker SIGKILLed mid-way: another worker finishes the job, and the video arrives once."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from saq.job import Status
from saq.queue import Queue

from bots.runtime import running_worker, wait_until_idle
from core.events import Target, VideoReady
from engine.api.server import RunningEngine
from tests.fixtures.core import (
    FAST_JOBS,
    CoreFor,
    HeldThinking,
    HeldUploads,
    RecordingSink,
    message,
    running_core,
    settings_for,
)
from tests.fixtures.engine import EngineAdmin, EngineFactory
from tests.fixtures.workers import events_in, eventually, stages, worker_env, worker_process


async def crash_and_recover(
    *,
    tmp_path: Path,
    redis_url: str,
    key_prefix: str,
    engine_url: str,
    photo: Path,
    kill_at_stage: str,
    kill_once: Callable[[], Awaitable[bool]] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Kill the first worker at `kill_at_stage` (and once `kill_once` holds too), then let a
    second one take the chat over."""
    first, second = tmp_path / "w1.jsonl", tmp_path / "w2.jsonl"
    env = worker_env(redis_url, key_prefix, engine_url, tmp_path / "work")
    ingress_sink = RecordingSink(tmp_path / "unused")
    settings = settings_for(redis_url, key_prefix, engine_url, tmp_path / "work")
    async with running_core(settings, ingress_sink, worker=False) as ingress:
        with worker_process(first, env) as doomed:
            await eventually(lambda: bool(events_in(first)), 60, "the first worker")
            await ingress.core.submit(message("c1", files=(photo,)))
            await eventually(lambda: kill_at_stage in stages(first), 60, kill_at_stage)
            if kill_once is not None:
                await eventually(kill_once, 60, "the moment to kill the first worker")
            doomed.send_signal(signal.SIGKILL)
            doomed.wait()
        with worker_process(second, env):
            await eventually(
                lambda: any(e["type"] in ("video", "problem") for e in events_in(second)),
                90,
                "the second worker to finish the job",
            )
            # The chat must end up holding nothing, so no late second delivery can follow.
            await wait_until_idle(ingress.core, "test:c1")
    return events_in(first), events_in(second)


async def sweep_the_active_job(
    queue: Queue, caplog: pytest.LogCaptureFixture, *, release: asyncio.Event
) -> None:
    """What saq's sweep does to a job it judges dead: abort it (the worker cancels its task),
    then run it again. `release` lets the held platform answer once the cancellation landed."""
    try:
        # One job, unless saq itself swept it already under load (then its retry runs too):
        # the sweep is done to each, as saq would.
        jobs = [job async for job in queue.iter_jobs(statuses=[Status.ACTIVE])]
        for job in jobs:
            await queue.abort(job, error="swept")
        if not jobs:  # saq swept it between the hold and this look: the same thing, done
            assert "Sweeping job" in caplog.text, "a job was running, or saq swept it"
        await eventually(lambda: "Aborting" in caplog.text, 30, "the worker to cancel the job")
    finally:  # whatever failed, the held platform answers: a held upload would hang the stop
        release.set()
    for job in jobs:
        await job.refresh(until_complete=30)
        await queue.retry(job, error="swept")


def outcome(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == kind]


async def test_a_worker_killed_during_the_sse_stream(
    redis: Redis,
    redis_url: str,
    key_prefix: str,
    make_engine: EngineFactory,
    photo: Path,
    tmp_path: Path,
) -> None:
    engine = make_engine(think_s=3.0, heartbeat_s=0.2)

    async def streaming() -> bool:
        """The message reached the agent. "Thinking" is shown just before it is sent: a kill
        between the two leaves a message recorded as sent that never went, which the next
        worker waits for (SETTLE_MAX_S) and then reports unanswered. Not this test's case."""
        return (await EngineAdmin(engine.base_url).stats()).call_count("sse") >= 1

    first, second = await crash_and_recover(
        tmp_path=tmp_path,
        redis_url=redis_url,
        key_prefix=key_prefix,
        engine_url=engine.base_url,
        photo=photo,
        kill_at_stage="thinking",
        kill_once=streaming,
    )
    videos = outcome(first, "video") + outcome(second, "video")
    assert len(videos) == 1, (first, second)
    assert not outcome(first + second, "problem")
    stats = await EngineAdmin(engine.base_url).stats()
    assert stats.call_count("sse") == 1, "the message was never sent twice"
    assert stats.call_count("upload") == 1


async def test_a_worker_killed_while_polling_the_render(
    redis: Redis,
    redis_url: str,
    key_prefix: str,
    make_engine: EngineFactory,
    photo: Path,
    tmp_path: Path,
) -> None:
    engine = make_engine(default_duration_s=20.0, fps=30, x264_preset="veryfast")
    first, second = await crash_and_recover(
        tmp_path=tmp_path,
        redis_url=redis_url,
        key_prefix=key_prefix,
        engine_url=engine.base_url,
        photo=photo,
        kill_at_stage="rendering",
    )
    videos = outcome(first, "video") + outcome(second, "video")
    assert len(videos) == 1, (first, second)
    assert outcome(second, "video"), "the second worker delivered it"
    stats = await EngineAdmin(engine.base_url).stats()
    assert stats.events.get("renders_started", 0) == 1, stats


class SlowUploads(RecordingSink):
    """A chat platform that takes a while to answer a video upload, as with a 50 MB file: the
    video is in the chat from the start, the answer comes late."""

    async def video(self, target: Target, video: VideoReady) -> None:
        await super().video(target, video)
        await asyncio.sleep(3 * FAST_JOBS.heartbeat_s)  # the platform's slow answer, not a wait


async def test_a_delivery_slower_than_the_heartbeat_goes_out_once(
    core_for: CoreFor,
    engine: RunningEngine,
    photo: Path,
    tmp_path: Path,
) -> None:
    sink = SlowUploads(tmp_path / "kept")
    async with core_for(engine.base_url, sink) as runtime:
        await runtime.core.submit(message("c1", files=(photo,)))
        await sink.wait_for(lambda s: bool(s.of("video") or s.of("problem")), 90)
        await wait_until_idle(runtime.core, "test:c1")

    assert len(sink.of("video")) == 1, sink.summary()
    assert not sink.of("problem"), sink.summary()


async def test_a_step_run_again_while_its_original_still_runs_sends_nothing(
    redis: Redis,
    redis_url: str,
    key_prefix: str,
    engine: RunningEngine,
    photo: Path,
    tmp_path: Path,
) -> None:
    """What saq does to a step whose heartbeat went quiet (a starved event loop, a Redis
    restart) while its worker still runs it: it runs the same step again on another slot."""
    sink = HeldUploads(tmp_path / "kept")
    settings = settings_for(redis_url, key_prefix, engine.base_url, tmp_path / "work")
    async with running_core(settings, sink) as runtime:
        await runtime.core.submit(message("c1", files=(photo,)))
        await asyncio.wait_for(sink.uploading.wait(), 90)
        (key,) = [k async for k in redis.scan_iter(f"{key_prefix}:render:*")]
        record = json.loads(await redis.get(key) or "{}")

        await runtime.core.renders.step(record["export_id"], record["step"])  # the retry
        await runtime.core.renders.step(record["export_id"], 0)  # and the first step's
        sink.answer.set()
        await wait_until_idle(runtime.core, "test:c1")

        # The retries look again later, find the step done, and do nothing.
        async def no_job_left() -> bool:
            return await runtime.core.export_queue.count("incomplete") == 0

        await eventually(no_job_left, 30, "the rechecks to run")

    assert len(sink.of("video")) == 1, sink.summary()
    assert not sink.of("problem"), sink.summary()


async def test_a_step_aborted_during_the_upload_finishes_the_send_and_is_not_repeated(
    redis_url: str,
    key_prefix: str,
    engine: RunningEngine,
    photo: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """What saq's sweep does to a job it judges dead: abort it (its task is cancelled), then
    run it again. The upload under way when the abort lands must end and be recorded first."""
    caplog.set_level(logging.INFO, logger="saq")
    sink = HeldUploads(tmp_path / "kept")
    settings = settings_for(redis_url, key_prefix, engine.base_url, tmp_path / "work")
    async with running_core(settings, sink) as runtime:
        queue = runtime.core.export_queue
        await runtime.core.submit(message("c1", files=(photo,)))
        await asyncio.wait_for(sink.uploading.wait(), 90)
        await sweep_the_active_job(queue, caplog, release=sink.answer)
        await wait_until_idle(runtime.core, "test:c1")

    assert len(sink.of("video")) == 1, sink.summary()
    assert not sink.of("problem"), sink.summary()
    assert sink.of("progress")[-1].stage == "done", sink.summary()


async def test_a_turn_aborted_just_before_its_message_went_out_sends_it_on_resuming(
    redis_url: str,
    key_prefix: str,
    engine: RunningEngine,
    photo: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """saq's sweep aborts the turn while the chat is being told "thinking", before the agent
    has the message. The turn run again must send it (once), not wait for an answer to a
    message that never went out and then tell the user there is nothing to export."""
    caplog.set_level(logging.INFO, logger="saq")
    sink = HeldThinking(tmp_path / "kept")
    settings = settings_for(
        redis_url, key_prefix, engine.base_url, tmp_path / "work", settle_max_s=3.0
    )
    async with running_core(settings, sink) as runtime:
        queue = runtime.core.job_queue
        await runtime.core.submit(message("c1", files=(photo,)))
        await asyncio.wait_for(sink.thinking.wait(), 90)
        await sweep_the_active_job(queue, caplog, release=sink.answer)
        await sink.wait_for(RecordingSink.has_outcome, 90)
        await wait_until_idle(runtime.core, "test:c1")

    assert len(sink.of("video")) == 1, sink.summary()
    assert not sink.of("problem"), sink.summary()
    assert (await EngineAdmin(engine.base_url).stats()).call_count("sse") == 1


async def test_an_export_whose_next_step_was_lost_is_driven_again_by_the_restarted_turn(
    redis: Redis,
    redis_url: str,
    key_prefix: str,
    make_engine: EngineFactory,
    photo: Path,
    tmp_path: Path,
) -> None:
    """The export's next step is gone (a queue renamed by an upgrade, a Redis that lost it), so
    nothing renews the chat's lease; once it runs out, the janitor restarts the chat's turn,
    and the turn sets the export going again instead of waiting for it forever."""
    engine = make_engine(default_duration_s=12.0, fps=30, x264_preset="veryfast")
    sink = RecordingSink(tmp_path / "kept")
    settings = settings_for(redis_url, key_prefix, engine.base_url, tmp_path / "work")
    async with running_core(settings, sink, worker=False) as runtime:
        core = runtime.core
        async with running_worker(core, grace_s=1):
            await core.submit(message("c1", files=(photo,)))

            async def exporting() -> bool:
                return bool([k async for k in redis.scan_iter(f"{key_prefix}:render:*")])

            await eventually(exporting, 90, "the export to start")
        lost = [k async for k in redis.scan_iter(f"saq:*{core.keys.export_queue_name()}*")]
        assert lost, "the export's next step waited in its queue"
        await redis.delete(*lost)
        await redis.delete(core.keys.lease("test:c1"))  # what its lease running out does

        async with running_worker(core, grace_s=1):
            assert await core.restart_stranded_chats() == 1  # the janitor's minute, now
            await sink.wait_for(RecordingSink.has_outcome, 90)
            await wait_until_idle(core, "test:c1")

    assert len(sink.of("video")) == 1, sink.summary()
    assert not sink.of("problem"), sink.summary()


async def test_an_agent_quiet_for_longer_than_the_job_heartbeat_keeps_its_turn(
    redis_url: str,
    key_prefix: str,
    make_engine: EngineFactory,
    photo: Path,
    tmp_path: Path,
) -> None:
    """The agent's stream says nothing for longer than a job may stay silent (each edit step
    thinks for 5 s; FAST_JOBS presumes a job dead after 3). The turn is alive all the same: it
    keeps its job, so the agent's answer is heard and passed on, and the video follows."""
    engine = make_engine(think_s=5.0, heartbeat_s=30.0)
    sink = RecordingSink(tmp_path / "kept")
    settings = settings_for(redis_url, key_prefix, engine.base_url, tmp_path / "work")
    async with running_core(settings, sink) as runtime:
        await runtime.core.submit(message("c1", files=(photo,)))
        await sink.wait_for(RecordingSink.has_outcome, 120)

    assert not sink.of("problem"), sink.summary()
    assert len(sink.of("video")) == 1
    assert sink.said("test:c1"), "the agent's answer reached the chat before the video"
    assert (await EngineAdmin(engine.base_url).stats()).call_count("sse") == 1
