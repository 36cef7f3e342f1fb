"""Render benchmark: the whole pipeline against x264's own ceiling on the very same frames.

    python -m bench.render [--seconds 30] [--runs 2] [--preset veryfast] [--crf 23]
                           [--narration on|off] [--check]

The clip is an explainer of a large noisy photo (4000x3000 JPEG of noise over gradients, made
here): five scenes cross-fading into each other (three zooming in), title, card, two captions,
generated music and (by default) the voice reading the card and captions, synthesised inside the
timed pipeline. The ceiling is x264 alone (same settings) encoding those frames, pre-rendered by
the same filter graph as raw yuv420p (about 2.8 GB for 30 s at 1080p30, written to a temporary
directory and deleted). Runs alternate
and each side keeps its fastest run, so load from other processes is not charged to one side.

Targets: pipeline <= 1.15x the ceiling, <= 0.6x real time, file <= 15 MB. The last line printed
is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

from PIL import Image, ImageChops

from engine.draft import Draft, Segment
from engine.render.ffmpeg_process import run_ffmpeg
from engine.render.graph import RenderPlan, build_graph
from engine.render.narration import EspeakNarrator
from engine.render.probe import ffmpeg_binary
from engine.render.renderer import RenderOptions, plan_render, render_draft, x264_args

MIB = 1024 * 1024
TARGET_RATIO, TARGET_REALTIME, TARGET_BYTES = 1.15, 0.6, 15_000_000


def make_photo(path: Path, width: int = 4000, height: int = 3000) -> None:
    """A JPEG that is hard to encode: strong noise in every channel over smooth gradients."""
    ramp = Image.linear_gradient("L")
    gradients = [
        ramp.resize((width, height)),
        ramp.rotate(90).resize((width, height)),
        ImageChops.invert(ramp).resize((width, height)),
    ]
    bands = [
        Image.blend(gradient, Image.effect_noise((width, height), sigma), 0.5)
        for gradient, sigma in zip(gradients, (60, 50, 70), strict=True)
    ]
    Image.merge("RGB", bands).save(path, quality=90)


def bench_draft(seconds: int) -> Draft:
    ms = seconds * 1000
    # Five scenes of the one photo cross-fading into each other, as the explainer makes them:
    # still behind the two cards, zooming in between.
    cuts = [0, ms // 10, ms * 4 // 10, ms * 7 // 10, ms * 9 // 10, ms]
    scenes: list[Segment] = []
    for start, end in pairwise(cuts):
        scene: Segment = {"s": start, "d": end - start, "src": "photo", "kind": "image"}
        scene["motion"] = "none" if start in (cuts[0], cuts[-2]) else "zoom_in"
        if start:
            scene["xfade"] = 700
        scenes.append(scene)
    return {
        "t": [
            {"tt": 0, "sg": scenes},
            {"tt": 1, "sg": [{"s": 0, "d": ms, "name": "Lo-fi", "gen": "lofi", "vol": 0.35}]},
            {"tt": 7, "sg": [
                {"s": 0, "d": 3000, "text": "What is an AI image?", "role": "card",
                 "sub": "A picture a model made"},
                {"s": 0, "d": 5000, "text": "Urban Dreams", "role": "title"},
                {"s": 4000, "d": 8000, "role": "caption",
                 "text": "It starts as pure noise and is refined, step by step."},
                {"s": 13000, "d": 8000, "role": "caption",
                 "text": "The model learned what pictures look like from millions of photos."},
            ]},
        ],
        "d": ms,
        "m": {
            "title": "Urban Dreams", "width": 1920, "height": 1080, "aspect": "16:9",
            "language": "en",
        },
    }  # fmt: skip


async def _must_run(args: list[str], duration_s: float) -> None:
    ended = await run_ffmpeg(args, duration_s)
    if ended.returncode:
        raise SystemExit(f"ffmpeg failed: {ended.reason}")


async def prerender_raw(plan: RenderPlan, options: RenderOptions, raw: Path) -> None:
    """The pipeline's frames, as raw yuv420p, from the same filter graph (untimed; the audio
    output is discarded but must be connected)."""
    graph = build_graph(plan)
    args = [options.ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *graph.inputs]
    args += [*graph.filter_args, "-map", graph.video, "-f", "rawvideo"]
    args += ["-pix_fmt", "yuv420p", str(raw), "-map", graph.audio, "-f", "null", "-"]
    await _must_run(args, plan.duration_s)


async def time_ceiling(plan: RenderPlan, options: RenderOptions, raw: Path, out: Path) -> float:
    size = f"{plan.width}x{plan.height}"
    args = [options.ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    args += ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", size, "-r", str(plan.fps)]
    args += ["-i", str(raw), *x264_args(options), "-movflags", "+faststart", str(out)]
    started = time.perf_counter()
    await _must_run(args, plan.duration_s)
    return time.perf_counter() - started


async def time_pipeline(draft: Draft, photo: Path, out: Path, options: RenderOptions) -> float:
    started = time.perf_counter()
    await render_draft(draft, {"photo": photo}, out, options)
    return time.perf_counter() - started


def report(
    seconds: int, pipeline: tuple[float, int], ceiling: tuple[float, int]
) -> dict[str, float]:
    print(f"{'':18}{'wall s':>9}{'x real time':>13}{'size MiB':>10}")
    for name, (wall, size) in (("pipeline", pipeline), ("encoder ceiling", ceiling)):
        print(f"{name:18}{wall:9.2f}{wall / seconds:13.3f}{size / MIB:10.2f}")
    return {
        "pipeline_wall_s": round(pipeline[0], 3),
        "ceiling_wall_s": round(ceiling[0], 3),
        "pipeline_to_ceiling_ratio": round(pipeline[0] / ceiling[0], 3),
        "realtime_ratio": round(pipeline[0] / seconds, 3),
        "size_mib": round(pipeline[1] / MIB, 2),
        "ceiling_size_mib": round(ceiling[1] / MIB, 2),
        "clip_s": seconds,
    }


async def bench(args: argparse.Namespace) -> int:
    options = RenderOptions(
        ffmpeg=ffmpeg_binary(), preset=args.preset, crf=args.crf, fps=args.fps,
        maxrate_kbps=args.maxrate_kbps, tune=args.tune, threads=args.threads,
        narrator=EspeakNarrator() if args.narration == "on" else None,
    )  # fmt: skip
    draft = bench_draft(args.seconds)
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        work = Path(tmp)
        photo, raw = work / "photo.jpg", work / "frames.yuv"
        make_photo(photo)
        plan = await plan_render(draft, {"photo": photo}, work, options)
        await prerender_raw(plan, options, raw)
        pipeline_walls, ceiling_walls = [], []
        for _ in range(args.runs):
            pipeline_walls.append(await time_pipeline(draft, photo, work / "pipeline.mp4", options))
            ceiling_walls.append(await time_ceiling(plan, options, raw, work / "ceiling.mp4"))
        raw.unlink()
        sizes = (work / "pipeline.mp4").stat().st_size, (work / "ceiling.mp4").stat().st_size
    print(f"x264 preset={options.preset} crf={options.crf} maxrate={options.maxrate_kbps}k "
          f"tune={options.tune or '-'} threads={options.threads or 'auto'} "
          f"narration={args.narration}; "
          f"{args.runs} run(s) each, fastest kept")  # fmt: skip
    result = report(args.seconds, (min(pipeline_walls), sizes[0]), (min(ceiling_walls), sizes[1]))
    met = (
        result["pipeline_to_ceiling_ratio"] <= TARGET_RATIO
        and result["realtime_ratio"] <= TARGET_REALTIME
        and sizes[0] <= TARGET_BYTES
    )
    print(f"targets (<= {TARGET_RATIO}x ceiling, <= {TARGET_REALTIME}x real time, <= 15 MB): "
          f"{'met' if met else 'MISSED'}")  # fmt: skip
    print(json.dumps(result))
    return 0 if met or not args.check else 1


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.render", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--crf", type=int, default=23)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--maxrate-kbps", type=int, default=RenderOptions.maxrate_kbps)
    parser.add_argument("--tune", default="")
    parser.add_argument("--threads", type=int, default=0, help="x264 threads; 0: x264 decides")
    parser.add_argument("--narration", choices=("on", "off"), default="on")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    sys.exit(asyncio.run(bench(parser.parse_args())))


if __name__ == "__main__":
    main()
