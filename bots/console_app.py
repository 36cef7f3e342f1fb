"""The console commands: `demo`, `chat` (people and JSON-line scripts) and `worker`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import mimetypes
import shutil
import signal
import sys
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any

from bots.console import ConsoleSink, ConsoleSource
from bots.runtime import open_runtime, running_worker, wait_until_idle
from bots.sample import make_demo_picture
from core.app import Core
from core.messages import Attachment, ChatRef, Inbound, Sender
from core.ports import PlatformPorts
from core.settings import Settings
from core.texts import text
from engine.render.probe import ffmpeg_binary, probe
from engine.settings import EngineSettings

CHAT = ChatRef("console", "local")


def attachment_for(path: Path) -> Attachment:
    size = path.stat().st_size if path.is_file() else None
    mime = mimetypes.guess_type(path.name)[0]
    return Attachment(ref=str(path), filename=path.name, mime=mime, size=size)


def inbound(
    settings: Settings, text: str = "", files: tuple[Path, ...] = (), command: str | None = None
) -> Inbound:
    return Inbound(
        message_id=uuid.uuid4().hex,
        chat=CHAT,
        sender=Sender("console", "you"),
        text=text,
        attachments=tuple(attachment_for(path) for path in files),
        command=command,
        language=settings.default_language,
    )


async def demo(settings: Settings, photo: Path | None, prompt: str, out: Path) -> int:
    """Photo in, MP4 out, on embedded defaults; the MP4's path is the last line printed."""
    videos: list[Path] = []
    if photo is not None and not photo.is_file():
        print(f"clipbridge: no such file: {photo}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="clipbridge-demo-") as scratch:
        folder = Path(scratch)
        if photo is None:
            photo = make_demo_picture(folder / "sample-dusk.png")
        sink = ConsoleSink(folder / "videos", on_video=videos.append, show_paths=False)
        platforms = {"console": PlatformPorts(ConsoleSource(), sink)}
        local = settings.model_copy(update={"work_dir": folder / "work"})
        engine = EngineSettings(data_dir=folder / "engine")
        async with (
            open_runtime(local, platforms, engine_settings=engine, needs_backend=True) as runtime,
            running_worker(runtime.core, grace_s=1),
            interruptions() as interrupted,
        ):
            await runtime.core.submit(inbound(settings, prompt, (photo,)))
            ended = await first(
                wait_until_idle(runtime.core, CHAT.key), interrupted.wait(), sink.closed.wait()
            )
            if ended:
                return await _stopped(runtime.core, sink, settings, interrupted.is_set())
        if not videos:
            print("clipbridge: no video came out (see the messages above)", file=sys.stderr)
            return 1
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(videos[-1], out)
    info = await probe(out, ffmpeg_binary(settings.ffmpeg_binary))
    size_mb = out.stat().st_size / (1 << 20)
    sink.line(
        f"{info.video_codec} {info.width}x{info.height} {info.duration_s or 0:.1f}s "
        f"{size_mb:.1f} MB"
    )
    sink.line(str(out.resolve()))
    return 0


@contextlib.asynccontextmanager
async def interruptions() -> AsyncIterator[asyncio.Event]:
    """An event set by Ctrl-C (SIGINT) while the block runs, instead of KeyboardInterrupt."""
    loop = asyncio.get_running_loop()
    interrupted = asyncio.Event()
    try:
        loop.add_signal_handler(signal.SIGINT, interrupted.set)
    except (NotImplementedError, RuntimeError):  # not the main thread: Ctrl-C stays as it was
        yield interrupted
        return
    try:
        yield interrupted
    finally:
        loop.remove_signal_handler(signal.SIGINT)


async def first(*waits: Awaitable[object]) -> int:
    """Wait for the first of `waits` to finish (the others are cancelled); its index."""
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        return next(index for index, task in enumerate(tasks) if task in done)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _stopped(core: Core, sink: ConsoleSink, settings: Settings, interrupted: bool) -> int:
    """Ctrl-C: cancel what runs, say so once, 130. A closed output: just stop, 0."""
    if not interrupted:
        return 0
    said = text("stage.cancelled", settings.default_language)
    if sink.json_lines:  # the output stays JSON lines: the one line goes to stderr
        print(said, file=sys.stderr)
    else:
        sink.line(said)
    sink.closed.set()  # nothing more from the chat: that one line says it all
    await core.queue.request_cancel(CHAT.key)
    return 130


class LineReader:
    """Standard input, line by line, read on a thread of its own: a read still waiting for a
    line never holds up the program's exit (Ctrl-C, a closed output)."""

    def __init__(self) -> None:
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def read() -> None:
            for line in sys.stdin:
                loop.call_soon_threadsafe(self._lines.put_nowait, line)
            loop.call_soon_threadsafe(self._lines.put_nowait, None)

        threading.Thread(target=read, name="stdin", daemon=True).start()

    async def next(self) -> str | None:
        """The next line, or None at the end of the input."""
        return await self._lines.get()


def _parse_json_line(settings: Settings, line: str) -> Inbound | str:
    """A stdin line as a message, or the reason it is not one."""
    try:
        data: Any = json.loads(line)
    except ValueError:
        return "not a JSON object"
    if not isinstance(data, dict):
        return "not a JSON object"
    text = data.get("text") or ""
    files = data.get("files") or []
    if not isinstance(text, str) or not isinstance(files, list):
        return "'text' must be a string and 'files' a list of paths"
    paths = tuple(Path(str(f)) for f in files)
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        return f"no such file: {', '.join(missing)}"
    if text.startswith("/") and not paths:  # a command, as typed in the chat
        command, _, rest = text[1:].partition(" ")
        return inbound(settings, rest, command=command)
    return inbound(settings, text, paths)


def _parse_human_line(settings: Settings, line: str) -> Inbound | str | None:
    if line.startswith("/upload"):
        parts = line.split(maxsplit=2)
        if len(parts) < 2:
            return "usage: /upload PATH [what you want]"
        if not Path(parts[1]).is_file():
            return f"no such file: {parts[1]}"
        return inbound(settings, parts[2] if len(parts) > 2 else "", (Path(parts[1]),))
    if line.startswith("/"):
        command, _, rest = line[1:].partition(" ")
        if command in ("quit", "exit"):
            return None
        return inbound(settings, rest, command=command)
    return inbound(settings, line)


async def chat(settings: Settings, *, json_lines: bool, out_dir: Path) -> int:
    """A chat in this terminal (or with a script, in JSON lines). On a terminal each answer
    comes before the next prompt; a line typed meanwhile (/cancel) is still taken at once."""
    sink = ConsoleSink(out_dir, json_lines=json_lines)
    live = not json_lines and sys.stdin.isatty() and sys.stdout.isatty()
    platforms = {"console": PlatformPorts(ConsoleSource(), sink)}
    async with (
        open_runtime(settings, platforms, needs_backend=True) as runtime,
        running_worker(runtime.core, grace_s=1),
        interruptions() as interrupted,
    ):
        if not json_lines:
            sink.line("Send a photo with /upload PATH [what you want]; /quit to leave.")
        lines = LineReader()
        stops = (interrupted.wait, sink.closed.wait)
        while True:
            if live:
                sink.prompt(PROMPT)
            got: list[str | None] = []
            if await first(_take(lines, got), *(stop() for stop in stops)):
                return await _stopped(runtime.core, sink, settings, interrupted.is_set())
            if got[0] is None:
                break
            if not await _handle(runtime.core, sink, settings, got[0], json_lines=json_lines):
                return 0
            while live and not await runtime.core.queue.idle(CHAT.key):
                got.clear()
                idle = wait_until_idle(runtime.core, CHAT.key)
                ended = await first(idle, _take(lines, got), *(stop() for stop in stops))
                if ended >= 2:
                    return await _stopped(runtime.core, sink, settings, interrupted.is_set())
                if ended == 1 and got[0] is not None:
                    await _handle(runtime.core, sink, settings, got[0], json_lines=json_lines)
        idle = wait_until_idle(runtime.core, CHAT.key)
        if await first(idle, *(stop() for stop in stops)):
            return await _stopped(runtime.core, sink, settings, interrupted.is_set())
    return 0


PROMPT = "› "


async def _take(lines: LineReader, into: list[str | None]) -> None:
    into.append(await lines.next())


async def _handle(
    core: Core, sink: ConsoleSink, settings: Settings, line: str, *, json_lines: bool
) -> bool:
    """Submit one typed line; False when it asks to leave."""
    line = line.strip()
    if not line:
        return True
    parsed = (_parse_json_line if json_lines else _parse_human_line)(settings, line)
    if parsed is None:
        return False
    if isinstance(parsed, str):
        event = {"type": "problem", "code": "bad_input", "text": parsed}
        sink.line(json.dumps(event) if json_lines else f"⚠️  {parsed}")
        return True
    await core.submit(parsed)
    return True
