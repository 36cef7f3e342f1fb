"""The console commands: `demo`, `chat` (people and JSON-line scripts) and `worker`."""

from __future__ import annotations

import asyncio
import json
import mimetypes
import shutil
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from bots.console import ConsoleSink, ConsoleSource
from bots.runtime import open_runtime, running_worker, wait_until_idle
from bots.sample import make_demo_picture
from core.messages import Attachment, ChatRef, Inbound, Sender
from core.ports import PlatformPorts
from core.settings import Settings
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
    with tempfile.TemporaryDirectory(prefix="clipbridge-demo-") as scratch:
        folder = Path(scratch)
        if photo is None:
            photo = make_demo_picture(folder / "sample-dusk.png")
        elif not photo.is_file():
            print(f"clipbridge: no such file: {photo}", file=sys.stderr)
            return 2
        sink = ConsoleSink(folder / "videos", on_video=videos.append)
        platforms = {"console": PlatformPorts(ConsoleSource(), sink)}
        local = settings.model_copy(update={"work_dir": folder / "work"})
        engine = EngineSettings(data_dir=folder / "engine")
        async with (
            open_runtime(local, platforms, engine_settings=engine, needs_backend=True) as runtime,
            running_worker(runtime.core, grace_s=1),
        ):
            await runtime.core.submit(inbound(settings, prompt, (photo,)))
            await wait_until_idle(runtime.core, CHAT.key)
        if not videos:
            print("clipbridge: no video came out (see the messages above)", file=sys.stderr)
            return 1
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(videos[-1], out)
    info = await probe(out, ffmpeg_binary(settings.ffmpeg_binary))
    size_mb = out.stat().st_size / (1 << 20)
    print(
        f"{info.video_codec} {info.width}x{info.height} {info.duration_s or 0:.1f}s "
        f"{size_mb:.1f} MB"
    )
    print(out.resolve())
    return 0


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
    return inbound(settings, text, paths)


def _parse_human_line(settings: Settings, line: str) -> Inbound | str | None:
    if line.startswith("/upload"):
        parts = line.split(maxsplit=2)
        if len(parts) < 2 or not Path(parts[1]).is_file():
            return "usage: /upload PATH [what you want]"
        return inbound(settings, parts[2] if len(parts) > 2 else "", (Path(parts[1]),))
    if line.startswith("/"):
        command, _, rest = line[1:].partition(" ")
        if command in ("quit", "exit"):
            return None
        return inbound(settings, rest, command=command)
    return inbound(settings, line)


async def chat(settings: Settings, *, json_lines: bool, out_dir: Path) -> int:
    sink = ConsoleSink(out_dir, json_lines=json_lines)
    platforms = {"console": PlatformPorts(ConsoleSource(), sink)}
    async with (
        open_runtime(settings, platforms, needs_backend=True) as runtime,
        running_worker(runtime.core, grace_s=1),
    ):
        if not json_lines:
            print("Send a photo with /upload PATH [what you want]; /quit to leave.")
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                break
            line = line.strip()
            if not line:
                continue
            parsed = (_parse_json_line if json_lines else _parse_human_line)(settings, line)
            if parsed is None:
                break
            if isinstance(parsed, str):
                sink_line = {"type": "problem", "code": "bad_input", "text": parsed}
                print(json.dumps(sink_line) if json_lines else f"⚠️  {parsed}", flush=True)
                continue
            await runtime.core.submit(parsed)
        await wait_until_idle(runtime.core, CHAT.key)
    return 0
