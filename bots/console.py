"""The console adapter: a terminal (or a script speaking JSON lines) as a chat.

`ConsoleSource` opens local files; `ConsoleSink` prints events, as readable lines or as one JSON
object per line, and keeps each finished video in the output folder (the core deletes its own
copy once delivered).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TextIO

from core.errors import AttachmentUnavailable
from core.events import Problem, Progress, Reply, Target, VideoReady
from core.messages import Attachment

CHUNK = 1 << 20
_PERCENT = re.compile(r"\s*\d+%")


class ConsoleSource:
    """Attachments are paths on this machine, read in chunks off the event loop."""

    async def open(self, attachment: Attachment) -> AsyncIterator[bytes]:
        path = Path(attachment.ref)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except OSError as exc:
            raise AttachmentUnavailable(f"cannot read {path.name}") from exc
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()


class ConsoleSink:
    """Prints what the core says; `json_lines` for scripts, readable text for people.

    On a terminal (`live`), a progress line is rewritten in place as it moves on (percent and
    time so far) until something else is said; elsewhere each stage is one line. When the
    reader goes away (``| head``), `closed` is set and nothing more is written: that is the
    end of the program, not a failed delivery.
    """

    def __init__(
        self,
        out_dir: Path,
        *,
        json_lines: bool = False,
        stream: TextIO | None = None,
        on_video: Callable[[Path], None] | None = None,
        live: bool | None = None,
        show_paths: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._out_dir = out_dir
        self._json = json_lines
        self._stream = stream or sys.stdout
        self._on_video = on_video
        self._live = (not json_lines and self._stream.isatty()) if live is None else live
        self._show_paths = show_paths
        self._clock = clock
        self._last_progress: dict[str, str] = {}
        self._started: dict[str, float] = {}
        self._open_line = False  # a live progress line waits to be rewritten
        self.closed = asyncio.Event()

    def _write(self, text: str) -> None:
        if self.closed.is_set():
            return
        try:
            self._stream.write(text)
            self._stream.flush()
        except (BrokenPipeError, ValueError):  # the reader is gone, or the stream is closed
            self.closed.set()
            quiet_stdout(self._stream)

    @property
    def json_lines(self) -> bool:
        return self._json

    def line(self, text: str) -> None:
        """A line of the program's own (not the chat's), after any live progress line."""
        if self._open_line:
            self._open_line = False
            text = "\n" + text
        self._write(text + "\n")

    def prompt(self, text: str) -> None:
        """The input prompt, at the start of a fresh line."""
        self._write(text)

    def _emit(self, target: Target, event: dict[str, Any], line: str) -> None:
        if self._json:
            where = {"chat": target.chat.chat_id, "message": target.message_id}
            line = json.dumps({**event, **where}, ensure_ascii=False)
        self.line(line)

    async def progress(
        self, target: Target, progress: Progress, message_ref: str | None
    ) -> str | None:
        ref = message_ref or f"progress:{target.message_id}"
        started = self._started.setdefault(ref, self._clock())
        if self._live:
            shown = progress.text
            if not progress.finished and (elapsed := self._clock() - started) >= 1:
                shown += f" · {elapsed:.0f}s"
            self._write(f"\r\x1b[2K{shown}")
            self._open_line = not progress.finished
            if progress.finished:
                self._write("\n")
            return ref
        if self._last_progress.get(ref) != progress.stage.value or self._json:
            self._last_progress[ref] = progress.stage.value
            event = {
                "type": "progress",
                "stage": progress.stage.value,
                "text": progress.text,
                "percent": progress.percent,
                "queue_position": progress.queue_position,
            }
            # One line per stage: its first percent would read as stuck there ("Rendering… 0%").
            self._emit(target, event, _PERCENT.sub("", progress.text))
        return ref

    async def reply(self, target: Target, reply: Reply) -> None:
        actions = [button.action.value for button in reply.buttons]
        event = {"type": "text", "text": reply.text, "actions": actions}
        self._emit(target, event, reply.text)

    async def video(self, target: Target, video: VideoReady) -> None:
        event: dict[str, Any] = {
            "type": "video",
            "caption": video.caption,
            "size": video.size_bytes,
            "width": video.width,
            "height": video.height,
            "duration": video.duration_s,
        }
        if video.path is not None:
            self._out_dir.mkdir(parents=True, exist_ok=True)
            kept = self._out_dir / f"clipbridge-{target.message_id[:12]}-{video.path.name}"
            await asyncio.to_thread(shutil.copyfile, video.path, kept)
            event["path"] = str(kept)
            if self._on_video:
                self._on_video(kept)
        if video.url:
            event["url"] = video.url
        line = video.caption
        if self._show_paths:
            line += f"\n🎞  {event.get('path') or video.url}"
        self._emit(target, event, line)

    async def problem(self, target: Target, problem: Problem) -> None:
        event = {"type": "problem", "code": problem.code, "text": problem.text}
        self._emit(target, event, f"⚠️  {problem.text}")


def quiet_stdout(stream: TextIO) -> None:
    """Point a closed standard output at /dev/null, so that the interpreter's own flush at exit
    does not complain about the pipe either."""
    if stream is not sys.stdout:
        return
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
