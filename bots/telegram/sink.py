"""Core events as Telegram calls: one progress message edited in place, replies with buttons,
videos with their size, duration and a thumbnail.

In a group set to acknowledge with reactions (`/ack reaction`), the progress is a reaction on
the request itself instead of a message: its ref is ``reaction:<message id>``, and the reaction
changes only when the stage does (👀 received, ✍ working, 🎉 done, 🤷 failed or cancelled).

Edits of one chat's progress message are spaced at least a second apart across every process
(`bots.edit_throttle`). Work under way keeps its chat action ("typing", "upload_video") alive,
since Telegram drops it after 5 s; only as long as this process runs it (an export's next look
may run in another worker: `Progress.keep_s`), and never for a message waiting its turn.
"Message is not modified" is skipped; flood waits are retried by PTB's rate limiter and never
end a job for a progress edit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReactionTypeEmoji,
    ReplyParameters,
)
from telegram.constants import ChatAction
from telegram.error import BadRequest, RetryAfter, TelegramError

from bots.edit_throttle import EditThrottle
from bots.telegram.thumbnails import cover, thumbnail
from core.events import Button, Problem, Progress, Reply, Stage, Target, VideoReady

log = logging.getLogger(__name__)

ACTION_REFRESH_S = 4.0
ACTION_MAX_S = 20 * 60
REACTION_REF = "reaction:"  # a progress shown as a reaction on this message
RECEIVED, WORKING = "👀", "✍"
STAGE_REACTIONS = {
    Stage.QUEUED: RECEIVED,  # waiting behind another request: received, not yet worked on
    Stage.DONE: "🎉",
    Stage.FAILED: "🤷",
    Stage.CANCELLED: "🤷",
}


async def react(bot: Bot, chat_id: int, message_id: int, emoji: str | None) -> None:
    """Put `emoji` on the message (None: take the bot's reaction off)."""
    reaction = [ReactionTypeEmoji(emoji)] if emoji else []
    await bot.set_message_reaction(chat_id, message_id, reaction)


@dataclass
class KeptAction:
    """A chat action kept up for one message, until `until` (monotonic) at most."""

    action: str
    until: float
    task: asyncio.Task[None] | None = None


def keyboard(buttons: tuple[Button, ...], requester_id: str) -> InlineKeyboardMarkup | None:
    """Callback data carries the action and who asked, so strangers' presses can be refused."""
    if not buttons:
        return None
    row = [
        InlineKeyboardButton(b.label, callback_data=f"{b.action.value}:{requester_id}")
        for b in buttons
    ]
    return InlineKeyboardMarkup([row])


class TelegramSink:
    def __init__(
        self,
        bot: Bot,
        throttle: EditThrottle,
        *,
        ffmpeg: str,
        local_mode: bool = False,
    ) -> None:
        self._bot = bot
        self._throttle = throttle
        self._ffmpeg = ffmpeg
        self._local = local_mode
        self._actions: dict[str, KeptAction] = {}  # message id -> its action kept up
        self._reacted: dict[str, str] = {}  # reaction ref -> the emoji this process put there

    @staticmethod
    def _where(target: Target) -> tuple[int, int | None]:
        thread = int(target.chat.thread_id) if target.chat.thread_id else None
        return int(target.chat.chat_id), thread

    @staticmethod
    def _reply_to(target: Target) -> ReplyParameters | None:
        if not target.reply_ref:
            return None
        message_id = json.loads(target.reply_ref).get("reply_to")
        return ReplyParameters(message_id, allow_sending_without_reply=True) if message_id else None

    async def progress(
        self, target: Target, progress: Progress, message_ref: str | None
    ) -> str | None:
        chat_id, thread = self._where(target)
        self._keep_action(target, progress)
        if message_ref is not None and message_ref.startswith(REACTION_REF):
            await self._react(chat_id, message_ref, progress)
            return message_ref
        if message_ref is None:
            sent = await self._bot.send_message(
                chat_id,
                progress.text,
                message_thread_id=thread,
                reply_parameters=self._reply_to(target),
            )
            await self._throttle.may_edit(target.chat.key)  # its first edit waits a second too
            return str(sent.message_id)
        if progress.finished:  # the last word is never skipped, and still waits its turn
            await self._throttle.wait_turn(target.chat.key)
        elif not await self._throttle.may_edit(target.chat.key):
            return message_ref  # the next update will carry the news
        try:
            await self._bot.edit_message_text(progress.text, chat_id, int(message_ref))
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return message_ref
            if "not found" in exc.message.lower():  # deleted by someone: start a new one
                return await self.progress(target, progress, None)
            raise
        except RetryAfter:
            log.info("progress edit skipped: flood wait", extra={"chat": target.chat.key})
        return message_ref

    async def _react(self, chat_id: int, ref: str, progress: Progress) -> None:
        emoji = STAGE_REACTIONS.get(progress.stage, WORKING)
        if self._reacted.get(ref) == emoji:
            return
        try:
            await react(self._bot, chat_id, int(ref.removeprefix(REACTION_REF)), emoji)
        except TelegramError as exc:  # the request deleted, reactions off here: no harm
            log.info("reaction not set", extra={"error": type(exc).__name__})
            return
        if progress.finished:
            self._reacted.pop(ref, None)
        else:
            self._reacted[ref] = emoji

    async def reply(self, target: Target, reply: Reply) -> None:
        self._stop_action(target)
        chat_id, thread = self._where(target)
        await self._bot.send_message(
            chat_id,
            reply.text,
            message_thread_id=thread,
            reply_markup=keyboard(reply.buttons, target.requester.id),
            reply_parameters=self._reply_to(target),
        )

    async def problem(self, target: Target, problem: Problem) -> None:
        self._stop_action(target)
        chat_id, thread = self._where(target)
        await self._bot.send_message(
            chat_id,
            problem.text,
            message_thread_id=thread,
            reply_parameters=self._reply_to(target),
        )

    async def video(self, target: Target, video: VideoReady) -> None:
        self._stop_action(target)
        chat_id, thread = self._where(target)
        markup = keyboard(video.buttons, target.requester.id)
        if video.path is None:
            await self._bot.send_message(
                chat_id, video.caption, message_thread_id=thread, reply_markup=markup
            )
            return
        thumb = await thumbnail(video.path, self._ffmpeg)
        front = await cover(video.path, self._ffmpeg)
        try:
            await self._bot.send_video(
                chat_id,
                await self._upload(video.path),
                caption=video.caption,
                width=video.width,
                height=video.height,
                duration=round(video.duration_s),
                supports_streaming=True,
                thumbnail=thumb.read_bytes() if thumb else None,
                cover=front.read_bytes() if front else None,
                message_thread_id=thread,
                reply_markup=markup,
                reply_parameters=self._reply_to(target),
                read_timeout=300,
                write_timeout=300,
            )
        finally:
            for picture in (thumb, front):
                if picture is not None:
                    picture.unlink(missing_ok=True)

    async def _upload(self, path: Path) -> Path | bytes:
        """A local Bot API server reads the file from disk; the cloud gets the bytes (at most
        50 MB: the core fits bigger videos to the limit before they come here)."""
        return path if self._local else await asyncio.to_thread(path.read_bytes)

    def keeping(self, message_id: str) -> KeptAction | None:
        """The chat action this process keeps up for the message, if it keeps one."""
        return self._actions.get(message_id)

    def _keep_action(self, target: Target, progress: Progress) -> None:
        if progress.finished or progress.stage is Stage.QUEUED:
            self._stop_action(target)  # waiting is not working
            return
        action = (
            ChatAction.UPLOAD_VIDEO
            if progress.stage in (Stage.RENDERING, Stage.DELIVERING)
            else ChatAction.TYPING
        )
        keep_s = ACTION_MAX_S if progress.keep_s is None else min(ACTION_MAX_S, progress.keep_s)
        until = time.monotonic() + keep_s
        kept = self._actions.get(target.message_id)
        if kept is not None and kept.action == action:
            kept.until = until  # already shown and kept fresh: sending it again says nothing
            return
        self._stop_action(target)
        kept = KeptAction(action, until)
        kept.task = asyncio.create_task(self._refresh(target, kept))
        self._actions[target.message_id] = kept

    def _stop_action(self, target: Target) -> None:
        kept = self._actions.pop(target.message_id, None)
        if kept is not None and kept.task is not None:
            kept.task.cancel()

    async def _refresh(self, target: Target, kept: KeptAction) -> None:
        """Send the action, and again each time it is about to lapse while the work is still
        kept here (`until`, which a later progress may move on). An action that lapses after
        `until` is not sent again: another process may show the work by then."""
        chat_id, thread = self._where(target)
        with contextlib.suppress(asyncio.CancelledError):
            while time.monotonic() < kept.until:
                try:
                    await self._bot.send_chat_action(chat_id, kept.action, message_thread_id=thread)
                except TelegramError:
                    break  # a chat action is a courtesy, never a reason to fail
                await asyncio.sleep(ACTION_REFRESH_S)
        if self._actions.get(target.message_id) is kept:
            del self._actions[target.message_id]

    async def close(self) -> None:
        tasks = [kept.task for kept in self._actions.values() if kept.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._actions.clear()
