"""Events out: one progress message per work, edited in place and throttled; replies; videos.

An edit of a work's progress message that is not its last word goes out behind the work rather
than holding it up: the platform's flood limit can make an edit wait a second or more, and the
work has better things to do. Edits that pile up meanwhile keep only the latest. Everything else
for the work (its last progress word, a reply, a problem, the video) first waits for the edit in
flight, so a chat sees the work's events in the order they happened.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping

from core.events import Button, Problem, Progress, Reply, Stage, VideoReady
from core.ports import ChatSink, PlatformPorts
from core.texts import human_duration, text
from core.work import Work

log = logging.getLogger(__name__)

MIN_PROGRESS_INTERVAL_S = 1.0  # per work; stage changes always go out
_REMEMBERED = 10_000


class Notifier:
    """Sends a work's events through its platform's sink."""

    def __init__(
        self,
        platforms: Mapping[str, PlatformPorts],
        *,
        min_interval_s: float = MIN_PROGRESS_INTERVAL_S,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._platforms = platforms
        self._min_interval_s = min_interval_s
        self._now = now
        self._last: OrderedDict[str, tuple[float, Stage, str]] = OrderedDict()
        self._next_edit: dict[str, tuple[Work, Progress]] = {}  # work -> its latest edit
        self._editing: dict[str, asyncio.Task[None]] = {}  # work -> the edits going out

    def sink(self, work: Work) -> ChatSink:
        return self._platforms[work.inbound.chat.platform].sink

    async def progress(
        self,
        work: Work,
        stage: Stage,
        *,
        percent: int | None = None,
        queue_position: int | None = None,
        line: str | None = None,
        keep_s: float | None = None,
        **values: object,
    ) -> None:
        """Show where the work stands; skips repeats and edits faster than the interval, except
        an update that says how long the work stays in this process (`keep_s`): the chat's
        "working" sign follows it (the sink spaces the edit itself)."""
        language = work.language
        body = line or text(f"stage.{stage.value}", language, percent=percent or 0, **values)
        if work.items > 1 and stage not in (Stage.QUEUED, Stage.DONE):
            body += text("stage.item", language, index=work.item + 1, count=work.items)
        elapsed = time.time() - work.started_at if work.started_at else 0.0
        if stage in (Stage.DONE, Stage.FAILED, Stage.CANCELLED) and elapsed >= 1:
            body += text("stage.elapsed", language, elapsed=human_duration(elapsed, language))
        now = self._now()
        last = self._last.get(work.message_id)
        if last and last[2] == body:
            return
        if last and last[1] == stage and now - last[0] < self._min_interval_s and keep_s is None:
            return
        self._remember(work.message_id, (now, stage, body))
        update = Progress(stage, body, elapsed, queue_position, percent, keep_s)
        work.notes["progress"] = stage.value
        if work.progress_ref and not update.finished:
            self._edit_behind(work, update)
            return
        await self.settled(work)
        await self._show(work, update)
        if update.finished:
            self._last.pop(work.message_id, None)

    async def _show(self, work: Work, update: Progress) -> None:
        try:
            ref = await self.sink(work).progress(work.target(), update, work.progress_ref)
        except Exception:
            log.warning("progress update failed", extra={"chat": work.chat_key}, exc_info=True)
            return
        if ref:
            work.progress_ref = ref

    def _edit_behind(self, work: Work, update: Progress) -> None:
        self._next_edit[work.message_id] = (work, update)
        if work.message_id not in self._editing:
            task = asyncio.create_task(self._edits(work.message_id))
            self._editing[work.message_id] = task

    async def _edits(self, message_id: str) -> None:
        """The work's edits, each the latest asked for when the one before is done."""
        try:
            while (edit := self._next_edit.pop(message_id, None)) is not None:
                await self._show(*edit)
        finally:
            self._editing.pop(message_id, None)

    async def settled(self, work: Work) -> None:
        """Once the work's edits asked for so far have gone out."""
        editing = self._editing.get(work.message_id)
        if editing is not None:
            await asyncio.shield(editing)

    async def close(self, work: Work) -> None:
        """A finished work whose progress message still says it is running is marked done."""
        shown = work.notes.get("progress")
        if work.progress_ref and shown not in (Stage.DONE, Stage.FAILED, Stage.CANCELLED):
            await self.progress(work, Stage.DONE)

    async def reply(self, work: Work, body: str, buttons: tuple[Button, ...] = ()) -> None:
        await self.settled(work)
        try:
            await self.sink(work).reply(work.target(), Reply(body, buttons))
        except Exception:
            log.warning("reply failed", extra={"chat": work.chat_key}, exc_info=True)

    async def problem(self, work: Work, problem: Problem) -> None:
        await self.settled(work)
        try:
            await self.sink(work).problem(work.target(), problem)
        except Exception:
            log.warning("problem report failed", extra={"chat": work.chat_key}, exc_info=True)

    async def video(self, work: Work, video: VideoReady) -> None:
        """Deliver a video; failures propagate so the job retries the delivery."""
        await self.settled(work)
        await self.sink(work).video(work.target(), video)

    def _remember(self, message_id: str, entry: tuple[float, Stage, str]) -> None:
        self._last[message_id] = entry
        self._last.move_to_end(message_id)
        while len(self._last) > _REMEMBERED:
            self._last.popitem(last=False)
