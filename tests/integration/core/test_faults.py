"""Every result code and fault mode of the backend: the user reads the right message (or the
documented recovery makes it invisible), and the chat goes on afterwards."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bots.runtime import wait_until_idle
from core.store import Keys, as_str
from tests.fixtures.core import RecordingSink, message, running_core, settings_for
from tests.fixtures.engine import EngineAdmin, EngineFactory, FaultEndpoint, FaultMode


@dataclass(frozen=True)
class Case:
    endpoint: FaultEndpoint
    mode: FaultMode
    outcome: str  # "video" when recovered, else the problem code the user gets
    times: int = 1
    after_events: int = 0
    stall_s: float = 1.0
    settings: tuple[tuple[str, Any], ...] = ()  # overrides, e.g. a short read timeout


CASES = [
    Case("token", "http_429", "anonymous_refused"),
    Case("session", "1001", "video"),
    Case("upload", "1002", "video"),
    Case("sse", "1002", "video"),  # the item starts over in a new session
    Case("upload", "4001", "4001"),
    Case("upload", "4002", "4002"),
    Case("sse", "2001", "2001"),
    Case("render_submit", "http_402", "http_402"),
    Case("render_submit", "http_403", "http_403"),
    Case("upload", "http_429", "video"),  # waited out once
    Case("upload", "http_429", "http_429", times=2),  # never in a loop
    Case("upload", "http_500", "video"),  # a passing failure is tried again, re-reading the file
    Case("upload", "http_503", "video"),
    Case("upload", "reset", "video"),
    Case("upload", "http_500", "backend_unavailable", times=3),  # three tries, then the user
    Case("sse", "http_503", "video"),  # turned away unprocessed: safe to send again
    Case("sse", "http_500", "backend_unavailable"),  # may have run: never sent twice
    Case("session", "http_400", "video"),  # a new client id
    Case("session", "http_400", "http_400", times=2),
    Case("sse", "cut_sse", "video", after_events=1),
    Case("sse", "malformed", "video"),
    Case("sse", "reset", "backend_unavailable"),
    # The stream opens and drops, and the state never changes: the user is told to send again.
    Case("sse", "lost", "no_answer", settings=(("settle_max_s", 2.0),)),
    Case("state", "malformed", "video"),
    Case("state", "malformed", "backend_unavailable", times=3),
    Case("render_poll", "http_503", "video", times=2),  # polling carries on
    Case("render_poll", "1001", "video"),
    Case("files", "http_500", "video"),
    Case("files", "http_404", "video", times=3),  # the documented download fallback
    # Bodies that stall past the read timeout: a read is tried again, the agent's stream is
    # given up and the draft is settled from the state.
    Case("render_poll", "stall", "video", settings=(("nemo_read_timeout_s", 0.5),)),
    Case("credits", "stall", "video", settings=(("nemo_read_timeout_s", 0.5),)),
    Case("sse", "stall", "video", stall_s=3.0, settings=(("sse_idle_s", 1.0),)),
]


def ended(sink: RecordingSink) -> bool:
    return bool(sink.of("video") or sink.of("problem"))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.endpoint}-{c.mode}-x{c.times}")
async def test_fault_gives_the_documented_outcome_and_the_chat_goes_on(
    case: Case,
    redis: Redis,
    redis_url: str,
    key_prefix: str,
    make_engine: EngineFactory,
    photo: Path,
    tmp_path: Path,
) -> None:
    engine = make_engine()
    admin = EngineAdmin(engine.base_url)
    sink = RecordingSink(tmp_path / "kept")
    settings = settings_for(
        redis_url, key_prefix, engine.base_url, tmp_path / "work", **dict(case.settings)
    )
    async with running_core(settings, sink) as runtime:
        await admin.arm(
            case.endpoint,
            case.mode,
            times=case.times,
            after_events=case.after_events,
            stall_s=case.stall_s,
        )
        await runtime.core.submit(message("c1", files=(photo,)))
        await sink.wait_for(ended, 60)
        await admin.clear_faults()
        await runtime.core.submit(message("c1", "status"))
        await sink.wait_for(lambda s: s.answered_status(), 30)
        # Nothing is left dangling: the chat comes to hold nothing (its turn ends just after
        # the answer), and every export is closed.
        await asyncio.wait_for(wait_until_idle(runtime.core, "test:c1"), 10)
        async for key in redis.scan_iter(match=f"{key_prefix}:render:*"):
            assert json.loads(as_str(await redis.get(key)))["finished"], key

    if case.outcome == "video":
        assert not sink.of("problem"), sink.summary()
        assert len(sink.of("video")) == 1
    else:
        assert not sink.of("video")
        (problem,) = sink.of("problem")
        assert problem.code == case.outcome, sink.summary()
        assert "{" not in problem.text and "nmv_" not in problem.text
    assert sink.said()[-1].startswith(("Timeline", "The timeline is empty"))


async def test_out_of_credits_links_the_chats_own_identity(
    redis: Redis,
    redis_url: str,
    key_prefix: str,
    make_engine: EngineFactory,
    photo: Path,
    tmp_path: Path,
) -> None:
    engine = make_engine(anonymous_credits=5, edit_cost=5)
    sink = RecordingSink(tmp_path / "kept")
    settings = settings_for(redis_url, key_prefix, engine.base_url, tmp_path / "work")
    async with running_core(settings, sink) as runtime:
        await runtime.core.submit(message("c1", files=(photo,)))
        await runtime.core.submit(message("c1", "make it 9:16"))
        await sink.wait_for(lambda s: bool(s.of("problem")), 60)

    client_id = as_str(await redis.hget(Keys(key_prefix).identity("test:c1"), "client_id"))
    (problem,) = sink.of("problem")
    assert problem.code == "2001"
    assert f"https://nemovideo.com/?bind={client_id}" in problem.text
    assert len(sink.of("video")) == 1


async def test_an_expired_token_is_renewed_for_the_same_client_id(
    redis: Redis,
    redis_url: str,
    key_prefix: str,
    make_engine: EngineFactory,
    photo: Path,
    tmp_path: Path,
) -> None:
    engine = make_engine()
    admin = EngineAdmin(engine.base_url)
    sink = RecordingSink(tmp_path / "kept")
    settings = settings_for(redis_url, key_prefix, engine.base_url, tmp_path / "work")
    key = Keys(key_prefix).identity("test:c1")
    async with running_core(settings, sink) as runtime:
        await runtime.core.submit(message("c1", "credits"))
        await sink.wait_for(lambda s: len(s.of("reply")) == 1)
        before: dict[Any, Any] = await redis.hgetall(key)
        await admin.advance_clock(8 * 24 * 3600)
        await runtime.core.submit(message("c1", "credits"))
        await sink.wait_for(lambda s: len(s.of("reply")) == 2)
        after: dict[Any, Any] = await redis.hgetall(key)

    assert not sink.of("problem"), sink.summary()
    assert after[b"client_id"] == before[b"client_id"]
    assert after[b"token"] != before[b"token"]


async def test_a_render_that_never_finishes_is_given_up_at_the_deadline(
    redis: Redis,
    redis_url: str,
    key_prefix: str,
    make_engine: EngineFactory,
    photo: Path,
    tmp_path: Path,
) -> None:
    engine = make_engine(default_duration_s=60.0, fps=30, x264_preset="medium")
    sink = RecordingSink(tmp_path / "kept")
    settings = settings_for(
        redis_url, key_prefix, engine.base_url, tmp_path / "work", render_deadline_s=3.0
    )
    async with running_core(settings, sink) as runtime:
        await runtime.core.submit(message("c1", files=(photo,)))
        await sink.wait_for(ended, 60)
        await runtime.core.submit(message("c1", "status"))
        await sink.wait_for(lambda s: s.answered_status(), 30)

    (problem,) = sink.of("problem")
    assert problem.code == "render_timeout"
    assert "longer than it should" in problem.text
    assert not sink.of("video")
