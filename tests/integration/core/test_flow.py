"""From a chat message to a delivered MP4, through the real Redis and the engine over HTTP."""

from __future__ import annotations

from pathlib import Path

from redis.asyncio import Redis

from engine.api.server import RunningEngine
from engine.render.probe import ffmpeg_binary, probe
from tests.fixtures.core import CoreFor, RecordingSink, message, running_core, settings_for


async def test_a_photo_comes_back_as_a_1080p_video(
    core_for: CoreFor,
    engine: RunningEngine,
    photo: Path,
    tmp_path: Path,
) -> None:
    sink = RecordingSink(tmp_path / "kept")
    async with core_for(engine.base_url, sink) as runtime:
        await runtime.core.submit(message("c1", files=(photo,)))
        await sink.wait_for(RecordingSink.has_outcome)

    assert not sink.of("problem"), sink.summary()
    (video,) = sink.of("video")
    assert video.kept is not None and video.video is not None
    info = await probe(video.kept, ffmpeg_binary())
    assert (info.video_codec, info.width, info.height) == ("h264", 1920, 1080)
    assert video.video.size_bytes == video.kept.stat().st_size
    stages = [e.stage for e in sink.of("progress")]
    assert stages[0] == "uploading" and "rendering" in stages and stages[-1] == "done"
    assert not list((tmp_path / "work").glob("*.mp4")), "the core keeps no copy once delivered"


def replies(sink: RecordingSink, chat: str = "test:c1") -> list[str]:
    return sink.said(chat)


async def test_edit_status_credits_and_export_continue_the_same_project(
    core_for: CoreFor,
    engine: RunningEngine,
    photo: Path,
    tmp_path: Path,
) -> None:
    sink = RecordingSink(tmp_path / "kept")
    async with core_for(engine.base_url, sink) as runtime:
        core = runtime.core
        await core.submit(message("c1", files=(photo,)))
        await core.submit(message("c1", 'add a title "Dusk Study"'))
        await core.submit(message("c1", "status"))
        await core.submit(message("c1", "credits"))
        await core.submit(message("c1", "export"))
        await sink.wait_for(lambda s: len(s.of("video")) == 2 or bool(s.of("problem")), 90)

    assert not sink.of("problem"), sink.summary()
    texts = replies(sink)
    edit_reply = next(t for t in texts if "export" in t.lower())
    assert "Say “export”" in edit_reply  # an edit offers the export
    status = next(t for t in texts if t.startswith("Timeline ("))
    assert 'Title: "Dusk Study"' in status
    assert any(t.startswith("Credits: ") and "available" in t for t in texts)
    # In order: the first video came before the edit's reply, the second after the status.
    kinds = [e.kind for e in sink.events if e.kind in ("video", "reply")]
    status_at = next(i for i, e in enumerate(sink.events) if e.text.startswith("Timeline ("))
    first_video = next(i for i, e in enumerate(sink.events) if e.kind == "video")
    assert first_video < status_at
    assert kinds[-1] == "video"


async def test_a_message_behind_another_is_told_its_place_and_waits(
    core_for: CoreFor,
    engine: RunningEngine,
    photo: Path,
    tmp_path: Path,
) -> None:
    sink = RecordingSink(tmp_path / "kept")
    async with core_for(engine.base_url, sink) as runtime:
        await runtime.core.submit(message("c1", files=(photo,)))
        second = message("c1", "status")
        submitted = await runtime.core.submit(second)
        await sink.wait_for(
            lambda s: any(e.text.startswith(("Timeline", "The timeline")) for e in s.of("reply")),
            60,
        )

    assert submitted.ahead == 1
    queued = [e for e in sink.of("progress") if e.message_id == second.message_id]
    assert queued and queued[0].stage == "queued" and "1 ahead" in queued[0].text
    order = [e.kind for e in sink.events if e.kind in ("video", "reply")]
    assert order[-2:] == ["video", "reply"]
    assert sink.of("reply")[-1].text.startswith(("Timeline", "The timeline"))


async def test_several_attachments_get_one_render_each(
    core_for: CoreFor,
    engine: RunningEngine,
    photo: Path,
    tmp_path: Path,
) -> None:
    sink = RecordingSink(tmp_path / "kept")
    async with core_for(engine.base_url, sink) as runtime:
        await runtime.core.submit(message("c1", "make it 9:16", files=(photo, photo)))
        await sink.wait_for(lambda s: len(s.of("video")) == 2 or bool(s.of("problem")), 90)

    assert not sink.of("problem"), sink.summary()
    for seen in sink.of("video"):
        assert seen.video is not None and (seen.video.width, seen.video.height) == (1080, 1920)
    assert any("(2/2)" in e.text for e in sink.of("progress"))


async def test_twenty_chats_run_in_parallel(
    redis: Redis,
    redis_url: str,
    key_prefix: str,
    make_engine: object,
    photo: Path,
    tmp_path: Path,
) -> None:
    from tests.fixtures.engine import EngineFactory

    assert callable(make_engine)
    factory: EngineFactory = make_engine
    engine = factory(render_workers=2, default_duration_s=5.0)
    sink = RecordingSink(tmp_path / "kept")
    settings = settings_for(redis_url, key_prefix, engine.base_url, tmp_path / "work")
    chats = [f"chat{n}" for n in range(20)]
    async with running_core(settings, sink) as runtime:
        for chat in chats:
            await runtime.core.submit(message(chat, files=(photo,)))
        await sink.wait_for(lambda s: len(s.of("video")) == 20 or bool(s.of("problem")), 240)

    assert not sink.of("problem"), sink.summary()
    assert {e.chat for e in sink.of("video")} == {f"test:{c}" for c in chats}
    first_video = min(e.at for e in sink.of("video"))
    started = {e.chat for e in sink.of("progress") if e.at < first_video}
    assert len(started) == 20, "every chat had started before the first video was out"


async def test_new_project_and_language(
    core_for: CoreFor,
    engine: RunningEngine,
    photo: Path,
    tmp_path: Path,
) -> None:
    sink = RecordingSink(tmp_path / "kept")
    async with core_for(engine.base_url, sink) as runtime:
        core = runtime.core
        await core.submit(message("c1", files=(photo,)))
        await core.submit(message("c1", command="new"))
        await core.submit(message("c1", "status"))
        await core.submit(message("c1", "zh", command="lang"))
        await core.submit(message("c1", "状态"))
        await core.submit(message("c2", "积分", language="zh-CN"))
        await sink.wait_for(
            lambda s: len(s.of("reply", "test:c1")) >= 4 and bool(s.of("reply", "test:c2"))
        )

    texts = [t for t in replies(sink) if not t.startswith("I made")]  # the agent's own words
    assert "Started fresh" in texts[0]
    assert texts[1] == "The timeline is empty: send me a photo to start."
    assert texts[2] == "我会用中文回答你。"
    assert texts[3] == "时间线是空的：发一张图片开始吧。"
    assert replies(sink, "test:c2")[0].startswith("积分：可用")


async def test_cancel_stops_a_render_before_it_is_delivered(
    core_for: CoreFor,
    make_engine: object,
    photo: Path,
    tmp_path: Path,
) -> None:
    from tests.fixtures.engine import EngineFactory

    assert callable(make_engine)
    factory: EngineFactory = make_engine
    engine = factory(default_duration_s=30.0, fps=30, x264_preset="veryfast")  # a slow render
    sink = RecordingSink(tmp_path / "kept")
    async with core_for(engine.base_url, sink) as runtime:
        await runtime.core.submit(message("c1", files=(photo,)))
        await sink.wait_for(lambda s: any(e.stage == "rendering" for e in s.of("progress")))
        await runtime.core.submit(message("c1", "cancel"))
        await sink.wait_for(lambda s: any(e.stage == "cancelled" for e in s.of("progress")))
        await runtime.core.submit(message("c1", "status"))
        await sink.wait_for(lambda s: any(t.startswith("Timeline") for t in replies(s)))

    assert "Stopping it…" in replies(sink) and "🛑 Cancelled." not in replies(sink)
    assert [e.stage for e in sink.of("progress")].count("cancelled") == 1, "one Cancelled"
    assert not sink.of("video")


async def test_a_long_silence_says_still_working_and_cancel_closes_the_stream(
    redis: Redis,
    redis_url: str,
    key_prefix: str,
    make_engine: object,
    photo: Path,
    tmp_path: Path,
) -> None:
    from tests.fixtures.engine import EngineFactory

    assert callable(make_engine)
    factory: EngineFactory = make_engine
    engine = factory(think_s=6.0, heartbeat_s=0.2)  # heartbeats only, for seconds
    sink = RecordingSink(tmp_path / "kept")
    settings = settings_for(
        redis_url, key_prefix, engine.base_url, tmp_path / "work", still_working_s=0.5
    )
    async with running_core(settings, sink) as runtime:
        await runtime.core.submit(message("c1", files=(photo,)))
        await sink.wait_for(lambda s: any("Still working" in e.text for e in s.of("progress")))
        await runtime.core.submit(message("c1", "cancel"))
        await sink.wait_for(lambda s: any(e.stage == "cancelled" for e in s.of("progress")))
        await runtime.core.submit(message("c1", "status"))
        await sink.wait_for(
            lambda s: any(t.startswith(("Timeline", "The timeline")) for t in replies(s))
        )

    assert not sink.of("video")
    assert not sink.of("problem")
