"""The explainer frames in docs/: one frame from the middle of each scene, side by side.

    python -m docs.frames [--out docs]

Three explainers, made the way the bot makes them (the file's record read by the provenance
reader, the engine's editor with narration pacing, the engine's renderer):

- ``explainer-a1111-en.jpg``: the demo's picture, a PNG carrying an Automatic1111 record;
- ``explainer-a1111-zh-9x16.jpg``: the same, asked for in Chinese and at 9:16;
- ``explainer-camera-en.jpg``: the demo's landscape as a JPEG whose EXIF names a camera.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from PIL import Image

from bots.sample import make_demo_picture, make_sample_photo
from core.provenance import agent_hint, read_provenance
from engine.agent.editor import EditLimits, edit
from engine.draft import Draft, TrackType, empty_draft
from engine.render.narration import EspeakNarrator, speech_ms
from engine.render.probe import ffmpeg_binary
from engine.render.renderer import RenderOptions, render_draft
from engine.state.inspection import inspect
from engine.state.sessions import Upload

STRIP_HEIGHT = 360  # each frame's height in the strip


def camera_photo(path: Path) -> Path:
    """The sample landscape as a JPEG whose EXIF says a camera took it."""
    photo = make_sample_photo(path.with_suffix(".src.jpg"), size=(1600, 1067))
    with Image.open(photo) as image:
        exif = image.getexif()
        exif[0x010F] = "Canon"  # Make
        exif[0x0110] = "Canon EOS R6"  # Model
        exif[0x0132] = "2026:10:03 18:42:10"  # DateTime
        image.save(path, "JPEG", quality=90, exif=exif)
    return path


async def upload_of(path: Path, ffmpeg: str) -> Upload:
    head = path.read_bytes()[:4096]
    facts = await inspect(path, head, path.stat().st_size, ffmpeg)
    return Upload(
        filename=path.name, file_type=facts.file_type, format=facts.format,
        cdn_url=f"file:{path.name}", path=path, size=path.stat().st_size, hash=path.name,
        width=facts.width, height=facts.height, duration=facts.duration, fps=facts.fps,
        colours=facts.colours,
    )  # fmt: skip


def explainer(upload: Upload, wishes: list[str], limits: EditLimits) -> Draft:
    """The draft the engine's editor makes for `wishes`, one message after another; the first
    carries the provenance line a client adds."""
    hint = agent_hint(read_provenance(upload.path))
    draft, previous = empty_draft(), None
    for number, wish in enumerate(wishes):
        message = f"{wish}\n{hint}" if number == 0 else wish
        outcome = edit(message, draft, previous, [upload], limits)
        if outcome.draft is not None:
            draft, previous = outcome.draft, draft
    return draft


async def strip(draft: Draft, video: Path, out: Path, ffmpeg: str) -> None:
    """A frame from the middle of each scene (video segment), side by side."""
    scenes = [seg for track in draft["t"] if track["tt"] == TrackType.VIDEO for seg in track["sg"]]
    frames = []
    for number, scene in enumerate(scenes):
        png = out.with_name(f"{out.stem}-{number}.png")
        middle_s = (scene["s"] + scene["d"] / 2) / 1000
        process = await asyncio.create_subprocess_exec(
            ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-ss", f"{middle_s:.2f}",
            "-i", str(video), "-frames:v", "1", str(png),
        )  # fmt: skip
        if await process.wait():
            raise SystemExit(f"no frame at {middle_s:.2f} s")
        with Image.open(png) as shot:
            width = round(shot.width * STRIP_HEIGHT / shot.height)
            smaller = shot.convert("RGB").resize((width, STRIP_HEIGHT), Image.Resampling.LANCZOS)
        frames.append(smaller)
        png.unlink()
    gap = 8
    sheet = Image.new("RGB", (sum(f.width for f in frames) + gap * (len(frames) - 1), STRIP_HEIGHT))
    x = 0
    for frame in frames:
        sheet.paste(frame, (x, 0))
        x += frame.width + gap
    sheet.save(out, "JPEG", quality=86, optimize=True)


async def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    ffmpeg = ffmpeg_binary("")
    narrator = EspeakNarrator()
    limits = EditLimits(speech_ms=speech_ms(narrator))
    options = RenderOptions(ffmpeg=ffmpeg, narrator=narrator)
    with tempfile.TemporaryDirectory(prefix="frames-") as scratch:
        work = Path(scratch)
        a1111 = await upload_of(make_demo_picture(work / "dusk-valley.png"), ffmpeg)
        camera = await upload_of(camera_photo(work / "IMG_4821.jpg"), ffmpeg)
        jobs = [
            ("explainer-a1111-en.jpg", a1111, ["explain what an AI image is and how it was made"]),
            ("explainer-a1111-zh-9x16.jpg", a1111, ["用中文讲解这张图", "做成竖屏 9:16"]),
            ("explainer-camera-en.jpg", camera, ["explain this"]),
        ]
        for name, upload, wishes in jobs:
            draft = explainer(upload, wishes, limits)
            video = work / f"{name}.mp4"
            await render_draft(draft, {upload.cdn_url: upload.path}, video, options)
            await strip(draft, video, folder / name, ffmpeg)
            print(f"{folder / name}: {len(draft['t'][0]['sg'])} scenes, {draft['d'] / 1000:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    asyncio.run(main(parser.parse_args().out))
