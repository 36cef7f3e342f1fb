"""Who may do what in a group: a running job is its requester's (or an admin's) to cancel, and
the group's own language is its admins' to change (each person may choose their own)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from redis.asyncio import Redis

from core.messages import Inbound, Sender
from core.texts import text
from tests.fixtures.core import CoreFor, RecordingSink, message, running_core, settings_for
from tests.fixtures.engine import EngineFactory


def in_group(inbound: Inbound, sender: str, *, admin: bool = False) -> Inbound:
    return dataclasses.replace(inbound, is_group=True, sender=Sender(sender, sender, admin))


def cancelled(sink: RecordingSink) -> bool:
    return any(e.stage == "cancelled" for e in sink.of("progress"))


async def test_only_the_requester_or_an_admin_cancels_a_running_job(
    redis: Redis,
    redis_url: str,
    key_prefix: str,
    make_engine: EngineFactory,
    photo: Path,
    tmp_path: Path,
) -> None:
    engine = make_engine(think_s=30.0, heartbeat_s=0.2)  # the agent thinks until cancelled
    sink = RecordingSink(tmp_path / "kept")
    settings = settings_for(redis_url, key_prefix, engine.base_url, tmp_path / "work")
    refused = text("reply.cancel_not_yours", "en")
    async with running_core(settings, sink) as runtime:
        core = runtime.core
        await core.submit(in_group(message("g1", files=(photo,)), "alice"))
        await sink.wait_for(lambda s: any(e.stage == "thinking" for e in s.of("progress")))

        await core.submit(in_group(message("g1", "/cancel"), "mallory"))
        await sink.wait_for(lambda s: refused in s.said())
        assert not cancelled(sink)

        await core.submit(in_group(message("g1", "/cancel"), "alice"))
        await sink.wait_for(cancelled)

        await core.submit(in_group(message("g1", files=(photo,)), "alice"))
        await sink.wait_for(lambda s: _count(s, "thinking") == 2)
        await core.submit(in_group(message("g1", "/cancel"), "admin", admin=True))
        await sink.wait_for(lambda s: _count(s, "cancelled") == 2)

    assert sink.said().count(refused) == 1
    assert not sink.of("video")


def _count(sink: RecordingSink, stage: str) -> int:
    return len([e for e in sink.of("progress") if e.stage == stage])


async def test_a_groups_language_is_its_admins_to_change(
    core_for: CoreFor,
    make_engine: EngineFactory,
    tmp_path: Path,
) -> None:
    engine = make_engine()
    sink = RecordingSink(tmp_path / "kept")
    async with core_for(engine.base_url, sink) as runtime:
        core = runtime.core
        await core.submit(in_group(message("g1", "group zh", command="lang"), "mallory"))
        await sink.wait_for(lambda s: text("reply.admins_only", "en") in s.said())
        await core.submit(in_group(message("g1", "/help"), "bob"))
        await sink.wait_for(lambda s: text("help", "en") in s.said())

        await core.submit(in_group(message("g1", "group zh", command="lang"), "admin", admin=True))
        await sink.wait_for(
            lambda s: text("reply.language_set_chat", "zh", name="中文") in s.said()
        )
        await core.submit(in_group(message("g1", "/help"), "bob"))
        await sink.wait_for(lambda s: text("help", "zh") in s.said())
