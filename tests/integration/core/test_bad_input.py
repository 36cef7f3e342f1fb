"""Bad input through the real core, the real Redis and the engine over HTTP: every case gets a
clear answer (or a video when the input is in fact fine), nothing crashes, the chat goes on, and
the process's memory stays bounded where a file is large or lies about its size."""

from __future__ import annotations

import resource
import struct
import sys
import tracemalloc
import uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image
from redis.asyncio import Redis

from bots.runtime import Runtime
from core.backend import Access
from core.messages import Attachment, ChatRef, Inbound, Sender
from core.settings import Settings
from core.texts import ACCEPTED_FORMATS
from engine.api.server import RunningEngine
from tests.fixtures.core import PLATFORM, RecordingSink, Seen, running_core, settings_for
from tests.fixtures.engine import EngineAdmin, EngineFactory

MB = 1 << 20
CHAT = f"{PLATFORM}:c1"
# C0 controls, DEL, C1 controls and the bidirectional overrides and isolates.
RAW_CONTROLS = {chr(c) for c in (*range(32), *range(0x7F, 0xA0))} - {"\n", "\t"}
BIDI = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def inbound(
    text: str = "", files: tuple[Attachment, ...] = (), *, message_id: str | None = None
) -> Inbound:
    return Inbound(
        message_id=message_id or uuid.uuid4().hex,
        chat=ChatRef(PLATFORM, "c1"),
        sender=Sender("u1", "Tester"),
        text=text,
        attachments=files,
        language="en",
    )


def attached(path: Path, *, name: str | None = None, mime: str | None = None) -> Attachment:
    size = path.stat().st_size
    return Attachment(ref=str(path), filename=name or path.name, mime=mime, size=size)


@dataclass
class Outcome:
    """What the chat saw for one bad message, and the answer to the "status" that followed."""

    events: list[Seen]
    status_reply: str

    def of(self, kind: str) -> list[Seen]:
        return [e for e in self.events if e.kind == kind]

    @property
    def problem(self) -> Seen:
        (problem,) = self.of("problem")
        return problem


async def send_then_status(runtime: Runtime, sink: RecordingSink, bad: Inbound) -> Outcome:
    """Send `bad`, wait for its end (a video, a problem, or a reply to a text), then check the
    chat still answers a "status"."""
    files = bool(bad.attachments)

    def ended(s: RecordingSink) -> bool:
        mine = [e for e in s.events if e.message_id == bad.message_id]
        kinds = {"video", "problem"} if files else {"reply", "problem"}
        return any(e.kind in kinds for e in mine)

    await runtime.core.submit(bad)
    await sink.wait_for(ended, 90)
    status = inbound("status")
    await runtime.core.submit(status)
    await sink.wait_for(
        lambda s: any(e.kind == "reply" and e.message_id == status.message_id for e in s.events)
    )
    events = [e for e in sink.events if e.message_id == bad.message_id]
    (reply,) = [e for e in sink.events if e.message_id == status.message_id and e.kind == "reply"]
    assert reply.text.startswith(("Timeline", "The timeline is empty")), sink.summary()
    return Outcome(events, reply.text)


def clean_for_chat(text: str) -> bool:
    """Nothing a user should not see: no raw JSON, no control characters, no direction marks."""
    return "{" not in text and not (set(text) & RAW_CONTROLS) and not (set(text) & set(BIDI))


@contextmanager
def rss_growth_kb() -> Iterator[list[int]]:
    """How far this process's peak resident size rose inside the block (the engine runs in a
    thread of this process, so its decoding counts too)."""
    scale = 1 if sys.platform != "darwin" else 1024  # ru_maxrss is in bytes on macOS
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // scale
    growth: list[int] = []
    yield growth
    growth.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // scale - before)


@contextmanager
def traced_peak() -> Iterator[list[int]]:
    """The peak of Python-level allocations inside the block, in bytes."""
    tracemalloc.start()
    peak: list[int] = []
    try:
        yield peak
        peak.append(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()


def sparse_file(path: Path, size: int) -> Path:
    """A file of `size` zero bytes that takes no disk space (a hole)."""
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def grey_png(path: Path, width: int, height: int, *, rows: int | None = None) -> Path:
    """An 8-bit grey PNG of zeros whose header says `width` x `height`; only `rows` rows of
    pixel data when given (a header that lies), else every row (a real, tiny-on-disk bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    packer = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # filter byte + pixels
    with path.open("wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header))
        data = b"".join(packer.compress(row) for _ in range(rows if rows is not None else height))
        handle.write(_chunk(b"IDAT", data + packer.flush()))
        handle.write(_chunk(b"IEND", b""))
    return path


SettingsFor = Callable[[RunningEngine], Settings]


@pytest.fixture
def settings_factory(redis_url: str, key_prefix: str, tmp_path: Path) -> SettingsFor:
    """The core's settings for a given engine, this test's Redis prefix and work folder."""

    def make(engine: RunningEngine) -> Settings:
        return settings_for(redis_url, key_prefix, engine.base_url, tmp_path / "work")

    return make


async def test_an_empty_file_is_refused_plainly_before_any_upload(
    redis: Redis, engine: RunningEngine, settings_factory: SettingsFor, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    sink = RecordingSink(tmp_path / "kept")
    async with running_core(settings_factory(engine), sink) as runtime:
        outcome = await send_then_status(runtime, sink, inbound(files=(attached(empty),)))

    assert outcome.problem.code == "empty_file", sink.summary()
    assert "empty" in outcome.problem.text and clean_for_chat(outcome.problem.text)
    assert not outcome.of("video")
    assert (await EngineAdmin(engine.base_url).stats()).call_count("upload") == 0


async def test_a_file_declared_over_the_limit_is_refused_before_any_upload(
    redis: Redis, engine: RunningEngine, settings_factory: SettingsFor, tmp_path: Path
) -> None:
    huge = sparse_file(tmp_path / "huge.mp4", 300 * MB)
    sink = RecordingSink(tmp_path / "kept")
    async with running_core(settings_factory(engine), sink) as runtime:
        outcome = await send_then_status(runtime, sink, inbound(files=(attached(huge),)))
        stats = await EngineAdmin(engine.base_url).stats()

    assert outcome.problem.code == "4002", sink.summary()
    assert "200.0 MB" in outcome.problem.text and "Compress or trim" in outcome.problem.text
    assert stats.call_count("upload") == 0, "refused before a byte was sent"
    assert not [e for e in outcome.of("progress") if e.stage == "uploading"]


async def test_a_file_of_unknown_size_over_the_limit_streams_to_a_4002_in_bounded_memory(
    redis: Redis, engine: RunningEngine, settings_factory: SettingsFor, tmp_path: Path
) -> None:
    huge = sparse_file(tmp_path / "huge.mp4", 300 * MB)
    unknown = Attachment(ref=str(huge), filename="huge.mp4", mime="video/mp4", size=None)
    sink = RecordingSink(tmp_path / "kept")
    async with running_core(settings_factory(engine), sink) as runtime:
        with rss_growth_kb() as rss, traced_peak() as peak:
            outcome = await send_then_status(runtime, sink, inbound(files=(unknown,)))
        stats = await EngineAdmin(engine.base_url).stats()

    assert outcome.problem.code == "4002", sink.summary()
    assert "200.0 MB" in outcome.problem.text
    assert stats.call_count("upload") == 1
    assert peak[0] < 32 * MB, f"Python allocations peaked at {peak[0] / MB:.1f} MB"
    assert rss[0] < 100 * 1024, f"resident size grew {rss[0] / 1024:.0f} MB"
    staged = [p for p in (tmp_path / "engine-0").rglob("*") if p.is_file() and p.stat().st_size]
    assert not [p for p in staged if p.stat().st_size > MB], "the refused upload was deleted"


async def test_a_png_named_mp4_is_judged_by_its_content_and_delivered(
    redis: Redis, engine: RunningEngine, settings_factory: SettingsFor, photo: Path, tmp_path: Path
) -> None:
    disguised = tmp_path / "holiday.mp4"
    with Image.open(photo) as image:
        image.save(disguised, format="PNG")
    sink = RecordingSink(tmp_path / "kept")
    async with running_core(settings_factory(engine), sink) as runtime:
        outcome = await send_then_status(
            runtime, sink, inbound(files=(attached(disguised, mime="video/mp4"),))
        )

    assert not outcome.of("problem"), sink.summary()
    (video,) = outcome.of("video")
    assert video.kept is not None and video.kept.stat().st_size > 0
    assert outcome.status_reply.startswith("Timeline")


async def test_text_sent_as_an_image_is_refused_with_the_accepted_formats(
    redis: Redis, engine: RunningEngine, settings_factory: SettingsFor, tmp_path: Path
) -> None:
    fake = tmp_path / "sunset.png"
    fake.write_text("this is a shopping list, not a picture\n" * 50)
    sink = RecordingSink(tmp_path / "kept")
    async with running_core(settings_factory(engine), sink) as runtime:
        outcome = await send_then_status(
            runtime, sink, inbound(files=(attached(fake, mime="image/png"),))
        )

    assert outcome.problem.code == "4001", sink.summary()
    assert outcome.problem.text == f"I can't use that file type. Send one of: {ACCEPTED_FORMATS}."
    assert not outcome.of("video")


@pytest.mark.parametrize(
    ("width", "height", "rows"),
    [
        (100_000, 100_000, 1),  # the header claims ten gigapixels; one row of data follows
        (10_000, 10_000, None),  # a real bomb: 100 MB of pixels in about 100 KB of PNG
    ],
    ids=["gigapixel-header", "real-bomb"],
)
async def test_a_decompression_bomb_is_refused_without_decoding_it(
    width: int,
    height: int,
    rows: int | None,
    redis: Redis,
    engine: RunningEngine,
    settings_factory: SettingsFor,
    tmp_path: Path,
) -> None:
    bomb = grey_png(tmp_path / "bomb.png", width, height, rows=rows)
    assert bomb.stat().st_size < 2 * MB
    sink = RecordingSink(tmp_path / "kept")
    async with running_core(settings_factory(engine), sink) as runtime:
        with rss_growth_kb() as rss:
            outcome = await send_then_status(
                runtime, sink, inbound(files=(attached(bomb, mime="image/png"),))
            )

    assert outcome.problem.code == "4001", sink.summary()
    assert ACCEPTED_FORMATS in outcome.problem.text
    assert rss[0] < 100 * 1024, f"resident size grew {rss[0] / 1024:.0f} MB"


async def test_a_hundred_kilobyte_caption_gets_an_answer(
    redis: Redis,
    make_engine: EngineFactory,
    settings_factory: SettingsFor,
    photo: Path,
    tmp_path: Path,
) -> None:
    engine = make_engine(silent_edit_ratio=0.0)  # the agent always says something back
    caption = ("make the sky warmer and add a calm title " * 2500)[: 100 * 1024]
    sink = RecordingSink(tmp_path / "kept")
    async with running_core(settings_factory(engine), sink) as runtime:
        outcome = await send_then_status(runtime, sink, inbound(caption, files=(attached(photo),)))

    assert not outcome.of("problem"), sink.summary()
    assert len(outcome.of("video")) == 1
    assert outcome.of("reply"), "the agent's answer to the caption reached the chat"
    assert all(len(e.text) < 2000 for e in outcome.events), "no echo of the whole caption"


async def test_control_characters_and_direction_marks_are_ignored(
    redis: Redis, engine: RunningEngine, settings_factory: SettingsFor, photo: Path, tmp_path: Path
) -> None:
    caption = "\u202emake\u200d it\x00 9:16\u202c\x1b[31m\u200f\x07"
    sink = RecordingSink(tmp_path / "kept")
    async with running_core(settings_factory(engine), sink) as runtime:
        with_photo = await send_then_status(
            runtime, sink, inbound(caption, files=(attached(photo),))
        )
        text_only = await send_then_status(
            runtime, sink, inbound("\u200f\x00cr\u200bedits\u200e\r")
        )

    assert not with_photo.of("problem") and not text_only.of("problem"), sink.summary()
    (video,) = with_photo.of("video")
    assert video.video is not None and (video.video.width, video.video.height) == (1080, 1920)
    (credits,) = text_only.of("reply")
    assert credits.text.startswith("Credits: ")
    for seen in sink.events:
        assert clean_for_chat(seen.text), seen


async def test_a_filename_that_climbs_out_is_stored_safely_and_delivered(
    redis: Redis, engine: RunningEngine, settings_factory: SettingsFor, photo: Path, tmp_path: Path
) -> None:
    climbing = "../../../../escaped.jpg"
    sink = RecordingSink(tmp_path / "kept")
    async with running_core(settings_factory(engine), sink) as runtime:
        outcome = await send_then_status(
            runtime, sink, inbound(files=(attached(photo, name=climbing),))
        )

        async def raw_upload_then_names(access: Access) -> list[str]:
            # The same name straight to the engine, past the core's own cleaning: the engine
            # must not trust it either.
            url = f"{engine.base_url}/api/upload-video/nemo_agent/me/{access.session_id}"
            async with httpx.AsyncClient(timeout=30) as http:
                answer = await http.post(
                    url,
                    headers={"Authorization": f"Bearer {access.token}"},
                    files={"files": (climbing, photo.read_bytes(), "image/jpeg")},
                )
            assert answer.json()["code"] == 0
            state = await runtime.core.backend.client.state(access.token, access.session_id)
            return [str(info.get("filename")) for info in state.video_infos]

        names = await runtime.core.backend.call(CHAT, "en", raw_upload_then_names)

    assert not outcome.of("problem"), sink.summary()
    assert len(outcome.of("video")) == 1
    assert names == ["escaped.jpg", "escaped.jpg"]
    stored = [p for p in (tmp_path / "engine-0").rglob("*") if p.is_file()]
    assert not [p for p in stored if "escaped" in p.name], "no file is stored by its given name"
    assert not list(tmp_path.parent.glob("escaped*")) and not list(tmp_path.glob("escaped*"))
