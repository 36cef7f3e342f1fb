"""Fair use on the real Redis: exact limits under concurrency and across processes, windows
that reset, quotas that failed work never spends, lists and operators."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from redis.asyncio import Redis

from core.store import Keys, Limit, Limiter, redis_client
from tests.fixtures.core import RecordingSink, message, running_core, settings_for
from tests.fixtures.engine import EngineAdmin, EngineFactory

ROOT = Path(__file__).resolve().parents[3]


async def test_a_thousand_concurrent_decisions_let_exactly_the_limit_through(
    redis: Redis, redis_url: str, key_prefix: str
) -> None:
    many = redis_client(redis_url, max_connections=200)  # waits for a connection when busy
    # One window for all of them: on the wall clock, a run across a minute's turn counts twice.
    limiter = Limiter(many, Keys(key_prefix), now=lambda: 1_000_000.0)
    limits = [Limit("messages", "user:u1", 37, 60), Limit("messages", "chat:c1", 500, 60)]
    decisions = await asyncio.gather(*(limiter.decide(limits, "u1") for _ in range(1000)))
    assert sum(d.allowed for d in decisions) == 37
    refused = [d for d in decisions if not d.allowed]
    assert {d.refused_by for d in refused} == {"messages"}
    assert sum(d.tell for d in refused) == 1, "the user is told once, not on every message"
    assert all(0 < d.retry_after_s <= 60 for d in refused)
    await many.aclose(close_connection_pool=True)


async def test_a_window_resets_and_given_back_counts_return(redis: Redis, key_prefix: str) -> None:
    clock = [1_000_000.0]
    limiter = Limiter(redis, Keys(key_prefix), now=lambda: clock[0])
    day = [Limit("renders", "user:u1", 2, 86400)]
    first = await limiter.decide(day, "u1")
    second = await limiter.decide(day, "u1")
    assert first.allowed and second.allowed
    assert not (await limiter.decide(day, "u1")).allowed
    await limiter.give_back(second.counted)  # that render failed
    assert (await limiter.decide(day, "u1")).allowed
    assert not (await limiter.decide(day, "u1")).allowed
    clock[0] += 86400  # the next day
    assert (await limiter.decide(day, "u1")).allowed


async def test_two_processes_flooding_one_group_let_exactly_the_limit_through(
    redis: Redis, redis_url: str, key_prefix: str, engine: object, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": key_prefix,
        "NEMO_API_BASE": "http://127.0.0.1:9",
        "LIMIT_USER_MESSAGES_PER_MINUTE": "25",
        "LIMIT_CHAT_MESSAGES_PER_MINUTE": "0",
        "LIMIT_CHAT_QUEUE": "0",
        "LOG_FORMAT": "text",
    }
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.integration.core.burst_main",
            "500",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = await asyncio.gather(*(p.communicate() for p in processes))
    events = [json.loads(line) for out, _ in outputs for line in out.decode().splitlines()]
    accepted = sum(e["count"] for e in events if e["type"] == "accepted")
    told = [e for e in events if e["type"] == "problem"]
    assert accepted == 25
    assert await redis.llen(Keys(key_prefix).inbox("test:group-1")) == 25
    assert len(told) == 1
    assert told[0]["code"] == "rate_limited"
    assert "Try again in" in told[0]["text"]


async def test_a_failed_render_leaves_the_quota_untouched(
    redis: Redis,
    redis_url: str,
    key_prefix: str,
    make_engine: EngineFactory,
    photo: Path,
    tmp_path: Path,
) -> None:
    engine = make_engine()
    sink = RecordingSink(tmp_path / "kept")
    settings = settings_for(
        redis_url, key_prefix, engine.base_url, tmp_path / "work", limit_user_renders_per_day=1
    )
    async with running_core(settings, sink) as runtime:
        await EngineAdmin(engine.base_url).arm("render_submit", "http_402")
        await runtime.core.submit(message("c1", files=(photo,)))
        await sink.wait_for(lambda s: len(s.of("problem")) == 1, 60)
        await runtime.core.submit(message("c1", files=(photo,)))
        await sink.wait_for(lambda s: bool(s.of("video")), 60)
        await runtime.core.submit(message("c1", files=(photo,)))
        await sink.wait_for(lambda s: len(s.of("problem")) == 2, 60)

    failed, over = sink.of("problem")
    assert failed.code == "http_402"
    assert len(sink.of("video")) == 1
    assert over.code == "quota"
    assert "limit of 1 videos per day" in over.text


async def test_lists_and_operators(
    redis: Redis, redis_url: str, key_prefix: str, engine: object, tmp_path: Path
) -> None:
    from engine.api.server import RunningEngine

    assert isinstance(engine, RunningEngine)
    sink = RecordingSink(tmp_path / "kept")
    settings = settings_for(
        redis_url,
        key_prefix,
        engine.base_url,
        tmp_path / "work",
        denied_users="test:troll",
        allowed_chats="test:c1,test:c2",
        admin_ids="test:op",
        limit_user_messages_per_minute=2,
    )
    async with running_core(settings, sink) as runtime:
        core = runtime.core
        assert (await core.submit(message("c1", "status", sender="troll"))).refused == "denied"
        outsider = await core.submit(message("c9", "status"))
        again = await core.submit(message("c9", "credits"))
        assert (outsider.refused, again.refused) == ("not_allowed", "not_allowed")
        await core.submit(message("c1", "user_renders_per_day 3", command="limit"))
        for _ in range(3):  # operators are never rate limited
            assert not (await core.submit(message("c2", "status", sender="op"))).refused
        await core.submit(message("c2", "user_renders_per_day 3", command="limit", sender="op"))
        await sink.wait_for(lambda s: any("is now 3" in t for t in s.said("test:c2")), 30)
        await sink.wait_for(lambda s: bool(s.said("test:c1")), 30)

    assert sink.said("test:c9") == ["This bot isn't open to this chat."]
    assert sink.said("test:c1") == ["Only the bot's operators can change that."]
    assert any(t == "user_renders_per_day is now 3 here." for t in sink.said("test:c2"))
