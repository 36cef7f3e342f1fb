"""The `clipbridge` command as people and scripts use it, in a real subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from bots.sample import make_sample_photo
from engine.api.server import RunningEngine
from engine.render.probe import ffmpeg_binary, probe
from tests.fixtures.engine import EngineFactory

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
    assert printed.count(".mp4") == 1, "the MP4's path, once, last"
    assert "AI-generated image" in printed, "the sample carries a generator's record"
    info = await probe(out, ffmpeg_binary())
    assert (info.video_codec, info.width, info.height) == ("h264", 1920, 1080)
    assert info.duration_s is not None
    assert abs(info.duration_s - 5.0) <= 0.5


async def test_chat_json_speaks_json_lines_and_waits_for_the_video(
    redis: Redis, redis_url: str, key_prefix: str, engine: RunningEngine, tmp_path: Path
) -> None:
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


def chat_env(engine: RunningEngine, redis_url: str, key_prefix: str) -> dict[str, str]:
    return {
        "NEMO_API_BASE": engine.base_url,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": key_prefix,
        "LOG_FORMAT": "text",
    }


async def started_chat(
    env: dict[str, str], tmp_path: Path, *options: str
) -> asyncio.subprocess.Process:
    """`clipbridge chat` running, its standard streams piped to the test."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bots.cli", "chat", *options, "--out", str(tmp_path / "videos"),
        cwd=ROOT, env={**os.environ, **env}, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


def answers_by_message(printed: str) -> list[list[str]]:
    """The text answers of each message, in the order they were answered (a chat's messages
    are answered one after another, in the order they were sent)."""
    events = [json.loads(line) for line in printed.splitlines() if line.strip()]
    order: dict[str, list[str]] = {}
    for event in events:
        if event["type"] in ("text", "problem"):
            order.setdefault(event["message"], []).append(event["text"])
    return list(order.values())


async def test_every_wish_is_answered_from_the_state_even_when_the_agent_says_nothing(
    redis_url: str, key_prefix: str, make_engine: EngineFactory, tmp_path: Path
) -> None:
    """An agent that never says a word after an edit: each edit is still answered with what
    changed in the session state; nonsense and an unknown command are answered as such."""
    engine = make_engine(silent_edit_ratio=1.0)
    photo = make_sample_photo(tmp_path / "p.jpg", size=(800, 600))
    wishes = [
        "add a title 'Hello'",
        "make it 20 seconds",
        "make it 9:16 and add a title 'Cabin'",
        "asdfghjkl",
        "/foo",
        "加标题：你好，加上欢快的背景音乐",
        "加上标题 再见",
        "no music",
        "no music",
    ]
    lines = [json.dumps({"text": "", "files": [str(photo)]})]
    lines += [json.dumps({"text": wish}, ensure_ascii=False) for wish in wishes]
    code, printed = await clipbridge(
        "chat",
        "--json",
        "--out",
        str(tmp_path / "videos"),
        env=chat_env(engine, redis_url, key_prefix),
        stdin="\n".join(lines).encode() + b"\n",
    )

    assert code == 0
    _, title, length, two, nonsense, unknown, chinese, bare, music, again = [
        " ".join(said) for said in answers_by_message(printed)
    ]
    assert "Added the title “Hello”." in title
    assert re.search(r"Length \d+ s → 20 s\.", length), length
    assert "Aspect 16:9 → 9:16." in two and "Title “Hello” → “Cabin”." in two
    assert "20 s" not in two, "only what this message changed"
    assert nonsense.startswith("I didn't understand “asdfghjkl”") and "Aspect" not in nonsense
    assert unknown.startswith("I don't know the command /foo.")
    assert "Title “Cabin” → “你好”." in chinese and "Music “Lo-fi” → “Upbeat”." in chinese
    assert "Title “你好” → “再见”." in bare
    assert "Removed the music." in music
    assert "Nothing in the video changed." in again or "already" in again


async def test_export_with_nothing_to_export_says_so(
    redis_url: str, key_prefix: str, engine: RunningEngine, tmp_path: Path
) -> None:
    code, printed = await clipbridge(
        "chat",
        "--json",
        env=chat_env(engine, redis_url, key_prefix),
        stdin=json.dumps({"text": "export"}).encode() + b"\n",
    )

    assert code == 0
    [said] = answers_by_message(printed)
    assert said == ["There's nothing to export yet: send me a photo first."]


async def test_cancel_mid_render_says_cancelled_once_and_sends_no_video(
    redis_url: str, key_prefix: str, make_engine: EngineFactory, tmp_path: Path
) -> None:
    engine = make_engine(default_duration_s=40.0, fps=30, x264_preset="veryfast")  # slow
    photo = make_sample_photo(tmp_path / "p.jpg", size=(800, 600))
    process = await started_chat(chat_env(engine, redis_url, key_prefix), tmp_path, "--json")
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(json.dumps({"text": "", "files": [str(photo)]}).encode() + b"\n")
    events: list[dict[str, Any]] = []
    async with asyncio.timeout(120):
        while not any(e.get("stage") == "rendering" for e in events):
            events.append(json.loads(await process.stdout.readline()))
        process.stdin.write(json.dumps({"text": "/cancel"}).encode() + b"\n")
        process.stdin.close()
        rest, _ = await process.communicate()
    events += [json.loads(line) for line in rest.decode().splitlines() if line.strip()]

    assert process.returncode == 0
    assert [e.get("stage") for e in events].count("cancelled") == 1
    assert not any("Cancelled" in e.get("text", "") for e in events if e["type"] == "text")
    assert any(e.get("text") == "Stopping it…" for e in events)
    assert not [e for e in events if e["type"] == "video"]


async def test_demo_into_head_ends_when_head_has_read_enough(tmp_path: Path) -> None:
    """`clipbridge demo | head -2`: the closed pipe ends the demo (exit 0), it is not a failed
    delivery to retry."""
    env = {**os.environ, **FAST_ENGINE, "NEMO_API_BASE": "local", "REDIS_URL": ""}
    shell = (
        f"set -o pipefail; {sys.executable} -m bots.cli demo --out {tmp_path / 'd.mp4'} | head -2"
    )
    process = await asyncio.create_subprocess_exec(
        "bash", "-c", shell, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(30):
        out, err = await process.communicate()

    assert process.returncode == 0, err.decode()[-2000:]
    assert len(out.decode().splitlines()) == 2
    assert "Traceback" not in err.decode()


async def test_ctrl_c_cancels_what_runs_and_exits_130_with_one_line(
    redis_url: str, key_prefix: str, make_engine: EngineFactory, tmp_path: Path
) -> None:
    engine = make_engine(default_duration_s=40.0, fps=30, x264_preset="veryfast")  # slow
    photo = make_sample_photo(tmp_path / "p.jpg", size=(800, 600))
    process = await started_chat(chat_env(engine, redis_url, key_prefix), tmp_path)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(f"/upload {photo}\n".encode())
    printed: list[str] = []
    async with asyncio.timeout(120):
        while not any(line.startswith("🎬 Rendering") for line in printed):
            printed.append((await process.stdout.readline()).decode().strip())
        process.send_signal(signal.SIGINT)
        rest, errors = await process.communicate()

    assert process.returncode == 130
    assert rest.decode().strip().splitlines()[-1:] == ["🛑 Cancelled."]
    assert "Traceback" not in errors.decode()
    # What ran was cancelled, not left for the next worker to finish: the chat opened again
    # has nothing to resume and sends no video.
    code, again = await clipbridge(
        "chat", "--json", "--out", str(tmp_path / "videos"),
        env=chat_env(engine, redis_url, key_prefix),
    )  # fmt: skip
    assert code == 0
    assert not [line for line in again.splitlines() if '"type": "video"' in line]


async def test_provenance_prints_each_files_card_or_json(tmp_path: Path) -> None:
    from bots.sample import make_demo_picture

    picture = make_demo_picture(tmp_path / "dusk.png")
    plain = make_sample_photo(tmp_path / "plain.jpg", size=(320, 240))
    env = {"REDIS_URL": "", "LOG_FORMAT": "text"}

    code, printed = await clipbridge("provenance", str(picture), str(plain), env=env)
    assert code == 0
    first, second = printed.split("\n\n")
    assert first.splitlines()[:3] == [
        f"{picture}:",
        "The file's own record says: AI-generated image.",
        "Made with: Automatic1111 v1.10.1 · model sd_xl_base_1.0",
    ]
    assert second.splitlines()[1].startswith("No provenance record found in the file.")

    code, printed = await clipbridge("provenance", "--json", str(picture), env=env)
    assert code == 0
    finding = json.loads(printed)["finding"]
    assert (finding["kind"], finding["generator"], finding["seed"]) == (
        "ai",
        "Automatic1111",
        "1206884217",
    )

    code, printed = await clipbridge("provenance", "--lang", "zh", str(picture), env=env)
    assert printed.startswith("文件自带的记录表明：这是 AI 生成的图片。")

    code, _ = await clipbridge("provenance", str(tmp_path / "missing.png"), env=env)
    assert code == 2


async def test_uploading_a_missing_file_says_there_is_no_such_file(
    redis_url: str, key_prefix: str, engine: RunningEngine, tmp_path: Path
) -> None:
    code, printed = await clipbridge(
        "chat", env=chat_env(engine, redis_url, key_prefix), stdin=b"/upload /no/such/photo.jpg\n"
    )
    assert code == 0
    assert "no such file: /no/such/photo.jpg" in printed
