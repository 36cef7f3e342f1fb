"""Which language the bot answers in: the person's own choice in the chat, else the chat's
(a group's admins set it), else the platform's language when the bot speaks it, else the
default. Each is checked through the core against the real Redis and the engine."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

from redis.asyncio import Redis

from core.messages import Inbound, Sender
from core.store import ChatSettings, Keys
from core.store.keys import SETTINGS_TTL_S
from core.texts import text
from tests.fakes.recording_proxy import RecordingProxy
from tests.fixtures.core import CoreFor, RecordingSink, message
from tests.fixtures.engine import EngineFactory


def said_by(chat: str, who: str, words: str, *, admin: bool = False, app: str = "en") -> Inbound:
    """`words` from `who` in the group `chat`, whose app is in the language `app`."""
    inbound = message(chat, words, language=app, sender=who)
    return dataclasses.replace(inbound, is_group=True, sender=Sender(who, who, admin))


def lang(chat: str, who: str, wanted: str, *, admin: bool = False, app: str = "en") -> Inbound:
    inbound = said_by(chat, who, wanted, admin=admin, app=app)
    return dataclasses.replace(inbound, command="lang")


def answered_in(chat_key: str) -> Callable[[RecordingSink], bool]:
    return lambda sink: bool(sink.said(chat_key))


async def test_the_platform_language_is_used_when_the_bot_speaks_it(
    core_for: CoreFor, make_engine: EngineFactory, tmp_path: Path
) -> None:
    sink = RecordingSink(tmp_path / "kept")
    async with core_for(make_engine().base_url, sink) as runtime:
        for chat, app, expected in (("p1", "es", "es"), ("p2", "pt-BR", "pt"), ("p3", "pl", "en")):
            key = f"test:{chat}"
            await runtime.core.submit(message(chat, "/help", language=app))
            await sink.wait_for(answered_in(key))
            assert sink.said(key) == [text("help", expected)], chat


async def test_a_persons_choice_beats_the_groups_which_beats_their_app(
    core_for: CoreFor, make_engine: EngineFactory, tmp_path: Path
) -> None:
    sink = RecordingSink(tmp_path / "kept")
    group = "test:g1"

    async def answer(inbound: Inbound) -> str:
        before = len(sink.said(group))
        await runtime.core.submit(inbound)
        await sink.wait_for(lambda s: len(s.said(group)) > before)
        return sink.said(group)[-1]

    async with core_for(make_engine().base_url, sink) as runtime:
        assert await answer(said_by("g1", "bob", "/help", app="es")) == text("help", "es")

        # The group's language is its admins': a member is told so, in their language.
        refused = await answer(lang("g1", "mallory", "group fr", app="es"))
        assert refused == text("reply.admins_only", "es")
        set_by_admin = await answer(lang("g1", "ann", "group de", admin=True))
        assert set_by_admin == text("reply.language_set_chat", "de", name="Deutsch")
        assert await answer(said_by("g1", "bob", "/help", app="es")) == text("help", "de")

        # A person's own choice, by code or by name, is theirs alone.
        assert await answer(lang("g1", "carol", "日本語")) == text("reply.language_set", "ja")
        assert await answer(said_by("g1", "carol", "/help")) == text("help", "ja")
        assert await answer(said_by("g1", "bob", "/help", app="es")) == text("help", "de")

        # Back to automatic: the group's language again, not the app's.
        back = await answer(lang("g1", "carol", "auto"))
        assert back == text("reply.language_auto", "de", name="Deutsch")
        assert await answer(said_by("g1", "carol", "/help")) == text("help", "de")

        # Something that is not a language: the choices, in the asker's language.
        usage = await answer(lang("g1", "bob", "klingon", app="es"))
        head = text("reply.language_usage", "de", current="Deutsch", choices="|").split("|")[0]
        assert usage.startswith(head)
        assert usage.endswith(text("reply.language_usage_group", "de"))
        assert "es español" in usage and "ar العربية" in usage


async def test_work_that_waits_its_turn_keeps_the_senders_language(
    core_for: CoreFor, make_engine: EngineFactory, photo: Path, tmp_path: Path
) -> None:
    """A photo runs as a job (not where it arrived): the queue's script reads the sender's
    choice from the chat's settings, and the backend session is created in it."""
    sink = RecordingSink(tmp_path / "kept")
    async with (
        RecordingProxy(make_engine().base_url) as backend,
        core_for(backend.base_url, sink) as runtime,
    ):
        await runtime.core.submit(lang("g2", "dan", "ko"))
        await sink.wait_for(lambda s: text("reply.language_set", "ko") in s.said())
        await runtime.core.submit(_photo("g2", "dan", photo))
        await sink.wait_for(lambda s: any(e.stage == "done" for e in s.of("progress")), 120)
        assert sink.of("video")
        stages = [e.text for e in sink.of("progress")]
        assert stages[-1].startswith(text("stage.done", "ko"))
        assert not any(line.startswith(text("stage.done", "en")) for line in stages)
        # The engine's videos speak English and Chinese: the chat is told once.
        note = text("reply.video_language", "ko", video="영어", language="한국어")
        assert sum(note in line for line in sink.said()) == 1
        await runtime.core.submit(said_by("g2", "dan", "add a title 'Hello'"))
        await sink.wait_for(lambda s: sum(e.stage == "done" for e in s.of("progress")) == 2)
        assert sum(note in line for line in sink.said()) == 1
    # The backend session was created in the language dan chose, not in his app's.
    created = [json.loads(r.body) for r in backend.requests if r.path.endswith("/nemo_agent")]
    assert [body["language"] for body in created] == ["ko"]


def _photo(chat: str, who: str, photo: Path) -> Inbound:
    inbound = message(chat, "", (photo,), language="en", sender=who)
    return dataclasses.replace(inbound, is_group=True, sender=Sender(who, who, False))


async def test_what_a_chat_is_told_once_is_kept_as_long_as_its_settings(
    redis: Redis, key_prefix: str
) -> None:
    """The mark of a note already given lives in the chat's settings and expires with them, even
    in a chat that set nothing before it."""
    keys = Keys(key_prefix)
    settings = ChatSettings(redis, keys)
    assert await settings.first_time("test:quiet", "video_language:ko")
    assert not await settings.first_time("test:quiet", "video_language:ko")
    assert await settings.first_time("test:quiet", "video_language:ar")
    assert 0 < await redis.ttl(keys.chat_settings("test:quiet")) <= SETTINGS_TTL_S
