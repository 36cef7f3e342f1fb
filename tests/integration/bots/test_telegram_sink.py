"""The Telegram sink's chat actions, through the real client against the fake Bot API: shown
while work runs in this process, never for a message that waits, never past the work."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bots.edit_throttle import EditThrottle
from bots.telegram.service import opened_bot
from bots.telegram.sink import TelegramSink
from core.events import Progress, Reply, Stage, Target
from core.messages import ChatRef, Sender
from core.store import Keys
from tests.fakes.telegram import FakeTelegram
from tests.fixtures.platforms import telegram_settings


@pytest.fixture
async def sink(
    fake_telegram: FakeTelegram, redis: Redis, key_prefix: str
) -> AsyncIterator[TelegramSink]:
    async with opened_bot(telegram_settings(fake_telegram)) as bot:
        made = TelegramSink(bot, EditThrottle(redis, Keys(key_prefix)), ffmpeg="ffmpeg")
        try:
            yield made
        finally:
            await made.close()


def target(fake: FakeTelegram, message_id: str) -> Target:
    user = fake.user(21, "Ana")
    chat = fake.private_chat(user)
    return Target(ChatRef("telegram", str(chat["id"])), Sender("21"), "en", message_id=message_id)


async def test_a_message_waiting_its_turn_shows_no_chat_action(
    fake_telegram: FakeTelegram, sink: TelegramSink
) -> None:
    """ "Typing…" under "In line: 1 ahead of yours" would say work is under way; and the process
    that queued the message (the ingress) never runs it, so nothing there would ever stop it."""
    waiting = target(fake_telegram, "m2")
    await sink.progress(waiting, Progress(Stage.QUEUED, "⏳ In line: 1 ahead of yours."), None)
    assert sink.keeping("m2") is None
    await sink.reply(waiting, Reply("done"))  # whatever was started has had its chance to go
    assert fake_telegram.calls_of("sendChatAction") == []


async def test_a_chat_action_lasts_as_long_as_the_work_stays_in_this_process(
    fake_telegram: FakeTelegram, sink: TelegramSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export's step says when its next look is due (`keep_s`); that look, and the video,
    may come from another worker, so this process does not send "sending video…" again once
    it has lapsed after then."""
    monkeypatch.setattr("bots.telegram.sink.ACTION_REFRESH_S", 0.2)
    rendering = target(fake_telegram, "m1")
    update = Progress(Stage.RENDERING, "🎬 Rendering… 40%", percent=40, keep_s=0.5)
    await sink.progress(rendering, update, None)
    kept = sink.keeping("m1")
    assert kept is not None and kept.action == "upload_video" and kept.task is not None
    await asyncio.wait_for(kept.task, 5)  # over by itself
    assert sink.keeping("m1") is None
    actions = fake_telegram.calls_of("sendChatAction")
    # Sent, and kept up every 0.2 s for the half second it was asked for; never after.
    assert 2 <= len(actions) <= 4 and {c.params["action"] for c in actions} == {"upload_video"}
    assert actions[-1].at - actions[0].at < 0.5


async def test_work_that_stays_here_keeps_its_chat_action(
    fake_telegram: FakeTelegram, sink: TelegramSink
) -> None:
    """A turn (the agent thinking) says nothing of leaving: its action stays until its end."""
    thinking = target(fake_telegram, "m3")
    await sink.progress(thinking, Progress(Stage.THINKING, "✍ Working on it…"), None)
    await fake_telegram.wait_for(lambda f: f.calls_of("sendChatAction"))
    kept = sink.keeping("m3")
    assert kept is not None and kept.action == "typing" and kept.task is not None
    assert not kept.task.done()
    await sink.reply(thinking, Reply("Here is your draft."))
    assert sink.keeping("m3") is None
