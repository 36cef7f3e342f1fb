"""The `clipbridge` command as people and scripts use it, in a real subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from redis.asyncio import Redis

from engine.api.server import RunningEngine
from engine.render.probe import ffmpeg_binary, probe

ROOT = Path(__file__).resolve().parents[3]
FAST_ENGINE = {
    "ENGINE_NARRATION": "off",
    "ENGINE_DEFAULT_DURATION_S": "5",
    "ENGINE_X264_PRESET": "ultrafast",
    "ENGINE_FPS": "10",
    "ENGINE_THINK_S": "0",
}


async def clipbridge(*args: str, env: dict[str, str], stdin: bytes = b"") -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bots.cli",
        *args,
        cwd=ROOT,
        env={**os.environ, **env},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin), 180)
    assert process.returncode is not None
    if process.returncode != 0:
        print(err.decode(errors="replace")[-2000:])
    return process.returncode, out.decode()


async def test_demo_prints_the_path_of_a_1080p_h264_mp4_last(tmp_path: Path) -> None:
    out = tmp_path / "demo.mp4"
    code, printed = await clipbridge(
        "demo",
        "--out",
        str(out),
        env={**FAST_ENGINE, "NEMO_API_BASE": "local", "REDIS_URL": "", "LOG_FORMAT": "text"},
    )
    assert code == 0
    assert printed.strip().splitlines()[-1] == str(out.resolve())
    info = await probe(out, ffmpeg_binary())
    assert (info.video_codec, info.width, info.height) == ("h264", 1920, 1080)
    assert info.duration_s is not None
    assert abs(info.duration_s - 5.0) <= 0.5


async def test_chat_json_speaks_json_lines_and_waits_for_the_video(
    redis: Redis, redis_url: str, key_prefix: str, engine: RunningEngine, tmp_path: Path
) -> None:
    from bots.sample import make_sample_photo

    photo = make_sample_photo(tmp_path / "p.jpg", size=(800, 600))
    lines = [
        json.dumps({"text": "", "files": [str(photo)]}),
        "this is not json",
        json.dumps({"text": "status"}),
    ]
    code, printed = await clipbridge(
        "chat",
        "--json",
        "--out",
        str(tmp_path / "videos"),
        env={
            "NEMO_API_BASE": engine.base_url,
            "REDIS_URL": redis_url,
            "REDIS_PREFIX": key_prefix,
            "LOG_FORMAT": "text",
        },
        stdin="\n".join(lines).encode() + b"\n",
    )
    assert code == 0
    events = [json.loads(line) for line in printed.splitlines() if line.strip()]
    kinds = [event["type"] for event in events]
    assert {"progress", "video", "problem", "text"} <= set(kinds)
    (video,) = [e for e in events if e["type"] == "video"]
    assert Path(video["path"]).is_file()
    assert (video["width"], video["height"]) == (1920, 1080)
    (bad,) = [e for e in events if e["type"] == "problem"]
    assert bad["code"] == "bad_input"
    assert kinds.index("video") < len(kinds) - 1 - kinds[::-1].index("text")
