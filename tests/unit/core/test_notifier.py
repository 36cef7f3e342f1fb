"""A work's progress edits never hold the work up, and its events still reach the chat in the
order they happened: a chat whose edits wait on the platform's flood limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from core.events import Problem, Progress, Reply, Stage, Target, VideoReady
from core.intents import Intent
from core.messages import Attachment, ChatRef, Inbound, Sender
from core.outbound.notifier import Notifier
from core.ports import PlatformPorts
from core.work import Work


class NoFiles:
    async def open(self, attachment: Attachment) -> AsyncIterator[bytes]:
        yield b""


class SlowChat:
    """A chat whose every call waits until the test lets it through; what it was shown, in
    order."""

    def __init__(self) -> None:
        self.shown: list[str] = []
        self.go = asyncio.Event()
        self.waiting = asyncio.Event()

    async def _turn(self, what: str) -> None:
        self.waiting.set()
        await self.go.wait()
        self.shown.append(what)

    async def progress(self, target: Target, progress: Progress, ref: str | None) -> str | None:
        await self._turn(progress.text)
        return ref or "progress-1"

    async def reply(self, target: Target, reply: Reply) -> None:
        await self._turn(reply.text)

    async def video(self, target: Target, video: VideoReady) -> None:
        await self._turn("video")

    async def problem(self, target: Target, problem: Problem) -> None:
        await self._turn(problem.text)


def work() -> Work:
    inbound = Inbound(
        message_id="41", chat=ChatRef("telegram", "7"), sender=Sender("7", "Ana"), text="hi"
    )
    return Work(inbound, Intent.UPLOAD, progress_ref="progress-1")


def notifier(chat: SlowChat) -> Notifier:
    return Notifier({"telegram": PlatformPorts(NoFiles(), chat)}, min_interval_s=0)


async def test_an_edit_waiting_on_the_platform_does_not_hold_the_work_up() -> None:
    chat = SlowChat()
    job = work()
    async with asyncio.timeout(5):
        await notifier(chat).progress(job, Stage.THINKING)  # returns with the edit still queued
    assert chat.shown == []
    chat.go.set()


async def test_edits_that_pile_up_keep_only_the_latest_and_a_reply_comes_after_them() -> None:
    chat = SlowChat()
    job, notes = work(), notifier(chat)
    async with asyncio.timeout(5):  # none of these waits for the edit on its way
        await notes.progress(job, Stage.THINKING)
        await chat.waiting.wait()
        for percent in (10, 50, 90):
            await notes.progress(job, Stage.RENDERING, percent=percent)
    replying = asyncio.create_task(notes.reply(job, "Here is your draft"))
    chat.go.set()
    await replying
    assert chat.shown == ["🧠 Working on it…", "🎬 Rendering… 90%", "Here is your draft"]


async def test_the_last_word_goes_out_after_the_edits_before_it() -> None:
    chat = SlowChat()
    job, notes = work(), notifier(chat)
    async with asyncio.timeout(5):
        await notes.progress(job, Stage.RENDERING, percent=40)
    finishing = asyncio.create_task(notes.progress(job, Stage.DONE))
    await chat.waiting.wait()
    assert not finishing.done()  # the last word waits for the edit in flight
    chat.go.set()
    await finishing
    assert chat.shown[0] == "🎬 Rendering… 40%"
    assert chat.shown[1].startswith("✅ Done")


class KeptChat(SlowChat):
    """A chat that lets every call through and notes how long each progress keeps its sign."""

    def __init__(self) -> None:
        super().__init__()
        self.go.set()
        self.kept: list[float | None] = []

    async def progress(self, target: Target, progress: Progress, ref: str | None) -> str | None:
        self.kept.append(progress.keep_s)
        return await super().progress(target, progress, ref)


async def test_how_long_the_work_stays_here_reaches_the_chat_inside_the_edit_interval() -> None:
    """A turn hands its export over (its sign ends here: 0 s), and the export's first step,
    a moment later in the same stage, says its next look is 20 s away: the chat must hear that,
    though the edit interval would skip an edit so soon."""
    chat = KeptChat()
    job = work()
    notes = Notifier({"telegram": PlatformPorts(NoFiles(), chat)}, min_interval_s=60)
    await notes.progress(job, Stage.RENDERING, percent=0, keep_s=0.0)
    await notes.progress(job, Stage.RENDERING, percent=5, keep_s=20.0)
    await notes.settled(job)
    assert chat.kept[-1] == 20.0 and chat.shown[-1] == "🎬 Rendering… 5%"
