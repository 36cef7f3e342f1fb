"""The FFmpeg renderer, end to end with the real FFmpeg: streams, sizes, text, failures, cancel.

Renders run at 10 fps with x264 ultrafast to stay fast; the real settings are measured by
``python -m bench.render``.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
from array import array
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Literal

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from engine.draft import ASPECTS, Draft, Motion, Segment, TextRole, Track
from engine.render.overlays import draw_text
from engine.render.probe import ffmpeg_binary, probe
from engine.render.renderer import (
    RenderError,
    RenderOptions,
    ffmpeg_args,
    plan_render,
    render_draft,
)

PHOTO = "https://cdn.example/photo.jpg"
CLIP = "https://cdn.example/clip.mp4"


@pytest.fixture(scope="module")
def ffmpeg() -> str:
    return ffmpeg_binary()


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A smooth 4:3 picture with a few shapes: easy to encode, easy to compare."""
    image = Image.linear_gradient("L").resize((1200, 900)).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.ellipse((500, 350, 700, 550), fill=(200, 60, 60))
    draw.rectangle((100, 100, 300, 250), fill=(40, 160, 90))
    path = tmp_path_factory.mktemp("media") / "photo.jpg"
    image.save(path, quality=92)
    return path


@pytest.fixture
def options(ffmpeg: str) -> RenderOptions:
    return RenderOptions(ffmpeg=ffmpeg, preset="ultrafast", fps=10)


def make_draft(
    video: list[Segment],
    text: Sequence[Segment] = (),
    aspect: str = "16:9",
    ms: int = 5000,
    music: bool = False,
) -> Draft:
    width, height = ASPECTS[aspect]
    tracks: list[Track] = [{"tt": 0, "sg": video}, {"tt": 7, "sg": list(text)}]
    if music:
        tracks.append({"tt": 1, "sg": [{"s": 0, "d": ms, "gen": "upbeat", "vol": 0.5}]})
    return {"t": tracks, "d": ms, "m": {"width": width, "height": height, "aspect": aspect}}


def still(motion: Motion = "none", s: int = 0, d: int = 5000) -> Segment:
    return {"s": s, "d": d, "src": PHOTO, "name": "photo.jpg", "kind": "image", "motion": motion}


async def frame_at(ffmpeg: str, video: Path, seconds: float, png: Path) -> Image.Image:
    process = await asyncio.create_subprocess_exec(
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-ss", str(seconds),
        "-i", str(video), "-frames:v", "1", str(png),
    )  # fmt: skip
    assert await process.wait() == 0
    with Image.open(png) as image:
        return image.convert("RGB")


def difference(a: Image.Image, b: Image.Image, box: tuple[int, int, int, int]) -> float:
    """Mean absolute difference (0..255) of two frames inside `box`."""
    return float(sum(ImageStat.Stat(ImageChops.difference(a.crop(box), b.crop(box))).mean) / 3)


def child_processes() -> dict[int, str]:
    """This process's children, from /proc: pid -> command name."""
    children = {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:  # it ended while we looked
            continue
        if stat and int(stat[stat.rindex(")") + 2 :].split()[1]) == os.getpid():
            children[int(entry.name)] = stat[stat.index("(") + 1 : stat.rindex(")")]
    return children


@pytest.mark.parametrize("aspect", ["16:9", "9:16", "1:1"])
async def test_renders_h264_and_aac_at_the_canvas_size_and_duration(
    aspect: str, photo: Path, options: RenderOptions, tmp_path: Path
) -> None:
    progress: list[float] = []
    out = tmp_path / "out.mp4"
    draft = make_draft([still("zoom_in")], aspect=aspect, music=True)

    result = await render_draft(draft, {PHOTO: photo}, out, options, progress.append)

    info = await probe(out, options.ffmpeg)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert (info.width, info.height) == ASPECTS[aspect] == (result.width, result.height)
    assert info.duration_s is not None and abs(info.duration_s - 5.0) <= 0.5
    assert result.size_bytes == out.stat().st_size > 0
    assert progress == sorted(progress) and progress[-1] == 1.0 and len(progress) >= 2


async def test_the_event_loop_stays_responsive_while_rendering(
    photo: Path, options: RenderOptions, tmp_path: Path
) -> None:
    """The engine's HTTP server shares the loop: drawing and FFmpeg must not block it."""
    loop = asyncio.get_running_loop()
    gaps: list[float] = []

    async def tick() -> None:  # measures the loop's latency; it waits for nothing
        while True:
            before = loop.time()
            await asyncio.sleep(0.01)
            gaps.append(loop.time() - before)

    text: list[Segment] = [
        {"s": 0, "d": 1000, "text": "A card", "role": "card", "sub": "with a sub line"},
        {"s": 0, "d": 2000, "text": "A title", "role": "title"},
    ]
    ticker = asyncio.create_task(tick())
    try:
        await render_draft(
            make_draft([still("zoom_out", d=2000)], text, ms=2000, music=True),
            {PHOTO: photo}, tmp_path / "out.mp4", options,
        )  # fmt: skip
    finally:
        ticker.cancel()
    assert len(gaps) > 10 and max(gaps) < 0.25


async def test_segments_play_in_sequence_and_a_short_video_loops(
    photo: Path, options: RenderOptions, tmp_path: Path
) -> None:
    clip = tmp_path / "clip.mp4"  # one second of a moving test pattern, no audio
    process = await asyncio.create_subprocess_exec(
        options.ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "lavfi",
        "-i", "testsrc2=size=640x360:rate=25:duration=1", "-pix_fmt", "yuv420p", str(clip),
    )  # fmt: skip
    assert await process.wait() == 0
    video: list[Segment] = [
        still("pan_right", 0, 2000),
        {"s": 2000, "d": 3000, "src": CLIP, "kind": "video"},
    ]
    out = tmp_path / "out.mp4"

    await render_draft(make_draft(video), {PHOTO: photo, CLIP: clip}, out, options)

    info = await probe(out, options.ffmpeg)
    assert info.duration_s is not None and abs(info.duration_s - 5.0) <= 0.5
    photo_frame = await frame_at(options.ffmpeg, out, 1.0, tmp_path / "a.png")
    looped_frame = await frame_at(options.ffmpeg, out, 4.5, tmp_path / "b.png")
    whole = (0, 0, 1920, 1080)
    assert difference(photo_frame, looped_frame, whole) > 20
    assert ImageStat.Stat(looped_frame).mean[0] > 20  # the looped clip, not black padding


async def test_a_scene_dissolves_into_the_next_over_its_xfade(
    options: RenderOptions, tmp_path: Path
) -> None:
    """A red scene, then a blue one that cross-fades in over its first second: before the fade
    only red, halfway both at once, after it only blue, and the video as long as the draft."""
    red, blue = tmp_path / "red.png", tmp_path / "blue.png"
    Image.new("RGB", (640, 360), (230, 20, 20)).save(red)
    Image.new("RGB", (640, 360), (20, 20, 230)).save(blue)
    second: Segment = {"s": 2000, "d": 3000, "src": CLIP, "kind": "image", "xfade": 1000}
    out = tmp_path / "out.mp4"

    await render_draft(
        make_draft([still("none", 0, 2000), second]), {PHOTO: red, CLIP: blue}, out, options
    )

    info = await probe(out, options.ffmpeg)
    assert info.duration_s is not None and abs(info.duration_s - 5.0) < 0.05
    colours = []
    for seconds in (1.5, 2.5, 3.5):
        frame = await frame_at(options.ffmpeg, out, seconds, tmp_path / f"{seconds}.png")
        colours.append(ImageStat.Stat(frame).mean)
    (r1, _, b1), (r2, _, b2), (r3, _, b3) = colours
    assert r1 > 200 and b1 < 50
    assert 80 < r2 < 170 and 80 < b2 < 170
    assert r3 < 50 and b3 > 200


@pytest.mark.parametrize("role", ["caption", "title", "card"])
async def test_text_is_drawn_only_while_its_segment_lasts(
    role: TextRole, photo: Path, options: RenderOptions, tmp_path: Path
) -> None:
    text: Segment = {"s": 1000, "d": 2000, "text": "Made by a model", "role": role, "sub": "Sub"}
    with_text, without = tmp_path / "text.mp4", tmp_path / "plain.mp4"
    await render_draft(make_draft([still()], [text]), {PHOTO: photo}, with_text, options)
    await render_draft(make_draft([still()]), {PHOTO: photo}, without, options)
    overlay = draw_text(role, "Made by a model", "Sub", 1920, 1080)
    assert overlay is not None
    box = (overlay.x, overlay.y, overlay.x + overlay.image.width, overlay.y + overlay.image.height)

    frames = {}
    for name, video in (("text", with_text), ("plain", without)):
        for seconds in (2.0, 4.0):
            png = tmp_path / f"{name}{seconds}.png"
            frames[name, seconds] = await frame_at(options.ffmpeg, video, seconds, png)

    assert difference(frames["text", 2.0], frames["plain", 2.0], box) > 15
    assert difference(frames["text", 4.0], frames["plain", 4.0], box) < 3


async def bright_spot_track(
    ffmpeg: str, video: Path, box: tuple[int, int, int, int]
) -> list[tuple[float, float]]:
    """Per frame, the centroid (canvas pixels) of the bright pixels inside `box`."""
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    process = await asyncio.create_subprocess_exec(
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(video),
        "-vf", f"crop={width}:{height}:{left}:{top},format=gray", "-f", "rawvideo", "pipe:1",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    data, _ = await process.communicate()
    track = []
    for offset in range(0, len(data), width * height):
        frame = Image.frombytes("L", (width, height), data[offset : offset + width * height])
        weights = frame.point(lambda value: value if value > 60 else 0).convert("F")
        columns = array("f", weights.resize((width, 1), Image.Resampling.BOX).tobytes())
        rows = array("f", weights.resize((1, height), Image.Resampling.BOX).tobytes())
        x = sum(i * v for i, v in enumerate(columns)) / sum(columns)
        y = sum(i * v for i, v in enumerate(rows)) / sum(rows)
        track.append((left + x, top + y))
    return track


@pytest.mark.parametrize(
    ("motion", "box", "direction"),
    [("zoom_in", (1560, 820, 1900, 1040), 1), ("pan_right", (700, 470, 1220, 610), -1)],
)
async def test_camera_motion_is_steady_without_jitter(
    motion: Motion,
    box: tuple[int, int, int, int],
    direction: int,
    options: RenderOptions,
    tmp_path: Path,
) -> None:
    """White dots on black: the centre dot of a zoom must not wobble, and a dot must move one
    way, easing in and out without jumps (zoompan's whole-pixel crop otherwise jitters)."""
    dots = Image.new("RGB", (3200, 1800), "black")
    for x, y in ((1600, 900), (2800, 1500)):
        ImageDraw.Draw(dots).ellipse((x - 24, y - 24, x + 24, y + 24), fill="white")
    picture, out = tmp_path / "dots.png", tmp_path / "out.mp4"
    dots.save(picture)

    await render_draft(make_draft([still(motion)]), {PHOTO: picture}, out, options)

    moving = await bright_spot_track(options.ffmpeg, out, box)
    steps = [b[0] - a[0] for a, b in pairwise(moving)]
    assert len(moving) == 50
    assert all(step * direction > -0.05 for step in steps)  # never back
    assert sum(steps) * direction > 10  # a zoom over 50 frames is slow, a pan fast
    # Eased in and out along half a cosine, off it by about a pixel at most on any frame (the
    # whole-pixel crop rounds): slow at both ends, no jumps. A pan moves the crop; a zoom
    # narrows it, so the dot's distance from the centre goes as one over the crop's width.
    ease = [(1 - math.cos(math.pi * n / 49)) / 2 for n in range(50)]
    xs = [x for x, _ in moving]
    if motion == "pan_right":
        ideal = [xs[0] + (xs[-1] - xs[0]) * e for e in ease]
    else:
        near, far = 1 / (xs[0] - 960), 1 / (xs[-1] - 960)
        ideal = [960 + 1 / (near + (far - near) * e) for e in ease]
    assert max(abs(x - want) for x, want in zip(xs, ideal, strict=True)) < 1.2
    # A zoom keeps the centre dot still; a pan keeps the moving dot level.
    if motion == "zoom_in":
        moving = await bright_spot_track(options.ffmpeg, out, (900, 480, 1020, 600))
        assert max(x for x, _ in moving) - min(x for x, _ in moving) < 0.5
    assert max(y for _, y in moving) - min(y for _, y in moving) < 0.5


async def test_a_src_missing_from_media_is_a_render_error(
    options: RenderOptions, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "video.mp4"
    out.parent.mkdir()
    with pytest.raises(RenderError, match="no local file"):
        await render_draft(make_draft([still()]), {}, out, options)
    assert list(out.parent.iterdir()) == []


@pytest.mark.parametrize("kind", ["image", "video"])
async def test_a_corrupt_media_file_is_a_render_error_and_leaves_nothing(
    kind: Literal["image", "video"], options: RenderOptions, tmp_path: Path
) -> None:
    broken = tmp_path / ("broken.jpg" if kind == "image" else "broken.mp4")
    broken.write_bytes(b"\xff\xd8\xff\xe0 this is not a picture " * 50)
    out = tmp_path / "out" / "video.mp4"
    out.parent.mkdir()
    segment = still()
    segment["kind"] = kind

    with pytest.raises(RenderError) as caught:
        await render_draft(make_draft([segment]), {PHOTO: broken}, out, options)

    reason = caught.value.reason
    assert reason and "\n" not in reason and "Traceback" not in reason
    assert ("data" if kind == "image" else "unreadable") in reason.lower()  # says what is wrong
    assert list(out.parent.iterdir()) == []


async def test_cancelling_a_render_kills_ffmpeg_and_leaves_no_file(
    photo: Path, ffmpeg: str, tmp_path: Path
) -> None:
    options = RenderOptions(ffmpeg=ffmpeg, preset="medium", fps=30)  # slow enough to catch
    out = tmp_path / "out" / "video.mp4"
    out.parent.mkdir()
    started = asyncio.Event()
    draft = make_draft([still("zoom_in", d=30000)], ms=30000)
    task = asyncio.create_task(
        render_draft(draft, {PHOTO: photo}, out, options, lambda _: started.set())
    )
    async with asyncio.timeout(60):
        await started.wait()
    running = [pid for pid, name in child_processes().items() if "ffmpeg" in name]
    assert len(running) == 1

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(5):  # promptly: the render itself would take far longer
            await task

    assert not Path(f"/proc/{running[0]}").exists()
    assert list(out.parent.iterdir()) == []


async def test_a_day_long_draft_is_planned_no_longer_than_the_maximum(
    photo: Path, ffmpeg: str, tmp_path: Path
) -> None:
    day = 24 * 3600 * 1000
    clip = tmp_path / "clip.mp4"
    process = await asyncio.create_subprocess_exec(
        ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "lavfi",
        "-i", "testsrc2=size=320x240:rate=10:duration=1", "-pix_fmt", "yuv420p", str(clip),
    )  # fmt: skip
    assert await process.wait() == 0
    video: list[Segment] = [still(d=1000), {"s": 1000, "d": day, "src": CLIP, "kind": "video"}]
    text: list[Segment] = [{"s": 0, "d": day, "text": "All day long", "role": "caption"}]
    draft = make_draft(video, text, ms=day, music=True)
    options = RenderOptions(ffmpeg=ffmpeg, preset="ultrafast", fps=10, max_duration_s=5)

    plan = await plan_render(draft, {PHOTO: photo, CLIP: clip}, tmp_path, options)

    assert plan.frames == 50 and plan.duration_s == 5.0
    assert sum(clip.frames for clip in plan.clips) == 50
    assert plan.clips[-1].loops == 3  # four seconds of a one-second clip, not a day of it
    assert [layer.end_s for layer in plan.layers] == [5.0]
    assert [cue.duration_s for cue in plan.music] == [5.0]
    args = ffmpeg_args(plan, options, tmp_path / "out.mp4")
    assert args[args.index("-t") + 1] == "5.000"


async def audio_report(path: Path, ffmpeg: str, audio_filter: str) -> str:
    """What FFmpeg prints running `audio_filter` over the file's sound."""
    process = await asyncio.create_subprocess_exec(
        ffmpeg, "-hide_banner", "-nostats", "-i", str(path),
        "-filter_complex", f"[0:a]{audio_filter}", "-f", "null", "-",
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await process.communicate()
    return err.decode()


async def loudness(path: Path, ffmpeg: str) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) as FFmpeg's EBU R128 meter reads them."""
    report = await audio_report(path, ffmpeg, "ebur128=peak=true")
    summary = report.rpartition("Summary:")[2]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))  # type: ignore[union-attr]
    peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))  # type: ignore[union-attr]
    return integrated, peak


async def test_the_sound_is_stereo_at_minus_16_lufs_with_headroom(
    photo: Path, options: RenderOptions, tmp_path: Path
) -> None:
    out = tmp_path / "out.mp4"
    draft = make_draft([still("zoom_in", d=8000)], ms=8000, music=True)
    await render_draft(draft, {PHOTO: photo}, out, options, lambda _: None)

    report = await probe_report(out, options.ffmpeg)
    assert re.search(r"Audio: aac.*, 48000 Hz, stereo", report), report
    integrated, peak = await loudness(out, options.ffmpeg)
    assert -17.0 <= integrated <= -15.0, integrated
    assert peak <= -1.0, peak


async def probe_report(path: Path, ffmpeg: str) -> str:
    process = await asyncio.create_subprocess_exec(
        ffmpeg, "-hide_banner", "-i", str(path), stderr=asyncio.subprocess.PIPE
    )
    _, err = await process.communicate()
    return err.decode()


async def test_text_fades_in_rather_than_popping_up(
    photo: Path, options: RenderOptions, tmp_path: Path
) -> None:
    text: Segment = {"s": 1000, "d": 2000, "text": "Made by a model", "role": "caption"}
    with_text, without = tmp_path / "text.mp4", tmp_path / "plain.mp4"
    await render_draft(make_draft([still()], [text]), {PHOTO: photo}, with_text, options)
    await render_draft(make_draft([still()]), {PHOTO: photo}, without, options)
    overlay = draw_text("caption", "Made by a model", "", 1920, 1080)
    assert overlay is not None
    box = (overlay.x, overlay.y, overlay.x + overlay.image.width, overlay.y + overlay.image.height)
    shown = {}
    for seconds in (1.1, 2.0):
        text_frame = await frame_at(options.ffmpeg, with_text, seconds, tmp_path / "t.png")
        plain_frame = await frame_at(options.ffmpeg, without, seconds, tmp_path / "p.png")
        shown[seconds] = difference(text_frame, plain_frame, box)
    assert 0 < shown[1.1] < 0.7 * shown[2.0], shown


async def test_a_tiny_picture_is_enlarged_pixel_by_pixel_not_smeared(
    options: RenderOptions, tmp_path: Path
) -> None:
    tiny = tmp_path / "tiny.png"
    board = Image.new("L", (32, 32))
    board.putdata([255 if (x // 4 + y // 4) % 2 else 0 for y in range(32) for x in range(32)])
    board.convert("RGB").save(tiny)
    out = tmp_path / "tiny.mp4"
    await render_draft(make_draft([still(d=1000)], ms=1000), {PHOTO: tiny}, out, options)
    frame = (await frame_at(options.ffmpeg, out, 0.5, tmp_path / "f.png")).convert("L")
    middle = frame.crop((760, 340, 1160, 740))  # inside the enlarged picture
    histogram = middle.histogram()
    greys = sum(histogram[51:205])  # neither black nor white: what smoothing would smear
    assert greys < 0.12 * middle.width * middle.height, greys
