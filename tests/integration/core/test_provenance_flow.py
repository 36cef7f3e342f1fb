"""How the image was made, read from the file: a card before the video, captions in it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageStat

from core.backend import Access
from engine.api.server import RunningEngine
from engine.render.probe import ffmpeg_binary
from tests.fixtures.core import CoreFor, RecordingSink, message
from tests.fixtures.images import png_with_parameters

PARAMETERS = (
    "a lighthouse on a cliff at dusk, volumetric light, film grain\n"
    "Negative prompt: blurry, watermark\n"
    "Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 424242, Size: 1024x768, "
    "Model: sdxl_base_1.0, Version: v1.10.1"
)


def a1111_png(path: Path) -> Path:
    return png_with_parameters(path, PARAMETERS, size=(1024, 768))


async def frame_at(video: Path, seconds: float, out: Path) -> Image.Image:
    process = await asyncio.create_subprocess_exec(
        ffmpeg_binary(),
        "-v",
        "error",
        "-y",
        "-ss",
        f"{seconds:.2f}",
        "-i",
        str(video),
        "-frames:v",
        "1",
        str(out),
    )
    assert await process.wait() == 0
    return Image.open(out).convert("RGB")


async def test_the_files_own_record_becomes_a_card_and_captions(
    core_for: CoreFor,
    engine: RunningEngine,
    tmp_path: Path,
) -> None:
    photo = a1111_png(tmp_path / "lighthouse.png")
    sink = RecordingSink(tmp_path / "kept")
    async with core_for(engine.base_url, sink) as runtime:
        await runtime.core.submit(message("c1", files=(photo,)))
        await sink.wait_for(lambda s: bool(s.of("video") or s.of("problem")), 60)

        async def draft(access: Access) -> dict[str, Any]:
            state = await runtime.core.backend.client.state(access.token, access.session_id)
            return state.draft

        rendered = await runtime.core.backend.call("test:c1", "en", draft)

    assert not sink.of("problem"), sink.summary()
    card = sink.of("reply")[0]
    assert card.at < sink.of("video")[0].at, "the card comes before the video"
    assert "sdxl_base_1.0" in card.text
    assert "lighthouse on a cliff" in card.text
    assert "424242" in card.text
    assert "{" not in card.text
    captions = [
        seg for track in rendered["t"] for seg in track["sg"] if seg.get("role") == "caption"
    ]
    texts = [seg["text"] for seg in captions]
    assert any(t.startswith("How this one was made:") and "sdxl_base_1.0" in t for t in texts)
    prompt_caption = next(seg for seg in captions if seg["text"].startswith("Prompt:"))
    assert "lighthouse" in prompt_caption["text"]
    # The caption is really drawn: its lower third differs from the caption before it.
    video = sink.of("video")[0].kept
    assert video is not None
    previous = captions[captions.index(prompt_caption) - 1]
    shown = await frame_at(
        video, (prompt_caption["s"] + prompt_caption["d"] / 2) / 1000, tmp_path / "prompt.png"
    )
    before = await frame_at(
        video, (previous["s"] + previous["d"] / 2) / 1000, tmp_path / "before.png"
    )
    band = (0, shown.height * 2 // 3, shown.width, shown.height)
    difference = ImageChops.difference(shown.crop(band), before.crop(band))
    assert max(ImageStat.Stat(difference).mean) > 2.0


async def test_no_record_says_so_without_claiming_anything(
    core_for: CoreFor,
    engine: RunningEngine,
    photo: Path,
    tmp_path: Path,
) -> None:
    sink = RecordingSink(tmp_path / "kept")
    async with core_for(engine.base_url, sink) as runtime:
        await runtime.core.submit(message("c1", files=(photo,)))
        await sink.wait_for(lambda s: bool(s.of("video") or s.of("problem")), 60)

    card = sink.of("reply")[0].text
    assert "No provenance record found" in card
    assert "not proof" in card


async def test_a_tiny_picture_is_explained_and_the_chat_is_told_it_is_small(
    core_for: CoreFor, engine: RunningEngine, tmp_path: Path
) -> None:
    """Said by us from the file, whatever the video service says or leaves unsaid."""
    tiny = tmp_path / "icon.png"
    Image.new("RGB", (32, 32), (200, 40, 40)).save(tiny)
    sink = RecordingSink(tmp_path / "kept")
    async with core_for(engine.base_url, sink) as runtime:
        await runtime.core.submit(message("c1", files=(tiny,)))
        await sink.wait_for(lambda s: bool(s.of("video") or s.of("problem")), 60)

    assert sink.of("video"), sink.summary()
    card = sink.of("reply")[0].text
    assert "only 32×32 pixels" in card and "blocky" in card
