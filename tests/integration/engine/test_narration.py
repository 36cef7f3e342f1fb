"""The voice-over, end to end: the explainer's script paced by how long eSpeak NG takes to say
it, rendered by the real FFmpeg and read back: a voice over every caption, stereo, -16 LUFS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from engine.agent.explainer import build_explainer, reading_ms, set_music
from engine.draft import Draft, Segment, TrackType, empty_draft, spoken_text
from engine.render.narration import EspeakNarrator, speech_ms
from engine.render.probe import ffmpeg_binary, probe
from engine.render.renderer import RenderOptions, render_draft
from engine.state.sessions import Upload
from tests.integration.engine.test_render import audio_report, loudness

PHOTO_URL = "https://cdn.example/dusk.jpg"


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("narrated") / "dusk.jpg"
    Image.linear_gradient("L").resize((1200, 800)).convert("RGB").save(path)
    return path


def upload(photo: Path) -> Upload:
    return Upload(
        filename="dusk.jpg", file_type="image", format="jpg", cdn_url=PHOTO_URL, path=photo,
        size=photo.stat().st_size, hash="h", width=1200, height=800, colours=["grey"],
    )  # fmt: skip


def explainer(photo: Path, chinese: bool) -> Draft:
    measure = speech_ms(EspeakNarrator())
    return build_explainer(
        upload(photo), empty_draft(), 15_000, chinese, pace=lambda text: measure(text, chinese)
    )


def spoken(draft: Draft) -> list[Segment]:
    return [seg for track in draft["t"] if track["tt"] == TrackType.TEXT for seg in track["sg"]]


@pytest.mark.parametrize("chinese", [False, True], ids=["en", "zh"])
def test_the_script_sets_the_length_and_each_caption_stays_as_long_as_it_takes(
    photo: Path, chinese: bool
) -> None:
    draft = explainer(photo, chinese)
    measure = speech_ms(EspeakNarrator())
    pieces = spoken(draft)
    assert draft["d"] == sum(seg["d"] for seg in pieces) != 15_000
    assert 5_000 <= draft["d"] <= 60_000
    for seg in pieces:
        said = spoken_text(seg)
        assert seg["d"] >= reading_ms(said), said
        assert seg["d"] > measure(said, chinese), f"{said!r} is cut off while spoken"
    assert draft["m"]["language"] == ("zh" if chinese else "en")


async def gaps_in_speech(path: Path, ffmpeg: str) -> list[tuple[float, float]]:
    """Stretches of 1.5 s or more under -45 dB."""
    text = await audio_report(path, ffmpeg, "silencedetect=n=-45dB:d=1.5")
    starts = [float(x) for x in re.findall(r"silence_start: (-?[\d.]+)", text)]
    ends = [float(x) for x in re.findall(r"silence_end: (-?[\d.]+)", text)]
    return list(zip(starts, ends + [float("inf")] * (len(starts) - len(ends)), strict=True))


@pytest.mark.parametrize("chinese", [False, True], ids=["en", "zh"])
async def test_a_voice_reads_every_caption_and_the_mix_is_stereo_at_minus_16_lufs(
    photo: Path, chinese: bool, tmp_path: Path
) -> None:
    ffmpeg = ffmpeg_binary()
    draft = set_music(explainer(photo, chinese), None)  # the voice alone: its gaps show
    out = tmp_path / "narrated.mp4"
    options = RenderOptions(ffmpeg=ffmpeg, preset="ultrafast", fps=10, narrator=EspeakNarrator())
    await render_draft(draft, {PHOTO_URL: photo}, out, options, lambda _: None)

    info = await probe(out, ffmpeg)
    assert info.duration_s is not None and abs(info.duration_s - draft["d"] / 1000) <= 0.3
    for seg in spoken(draft):
        start, end = seg["s"] / 1000, (seg["s"] + seg["d"]) / 1000
        for quiet_from, quiet_to in await gaps_in_speech(out, ffmpeg):
            assert quiet_to <= start or quiet_from >= end, (seg.get("text"), quiet_from)
    integrated, peak = await loudness(out, ffmpeg)
    assert -17.0 <= integrated <= -15.0 and peak <= -1.0, (integrated, peak)


async def test_no_voice_renders_no_voice(photo: Path, tmp_path: Path) -> None:
    ffmpeg = ffmpeg_binary()
    draft = set_music(explainer(photo, False), None)
    draft["m"]["voice"] = "off"
    out = tmp_path / "quiet.mp4"
    options = RenderOptions(ffmpeg=ffmpeg, preset="ultrafast", fps=10, narrator=EspeakNarrator())
    await render_draft(draft, {PHOTO_URL: photo}, out, options, lambda _: None)
    (whole,) = await gaps_in_speech(out, ffmpeg)
    assert whole[0] <= 0.01
