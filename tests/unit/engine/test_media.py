"""Content sniffing: the format comes from the first bytes, never from the name."""

from __future__ import annotations

import pytest

from engine.state.media import sniff
from engine.state.uploads import display_name

SAMPLES = {
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "gif": b"GIF89a\x01\x00\x01\x00",
    "webp": b"RIFF\x24\x00\x00\x00WEBPVP8 ",
    "wav": b"RIFF\x24\x00\x00\x00WAVEfmt ",
    "avi": b"RIFF\x24\x00\x00\x00AVI LIST",
    "mp4": b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00",
    "mov": b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00",
    "m4a": b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00",
    "webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm",
    "mkv": b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska",
    "mp3": b"ID3\x04\x00\x00\x00\x00\x00\x00",
    "aac": b"\xff\xf1\x50\x80\x02\x1f\xfc",
}


@pytest.mark.parametrize(("expected", "head"), SAMPLES.items(), ids=list(SAMPLES))
def test_each_accepted_format_is_recognised(expected: str, head: bytes) -> None:
    found = sniff(head)

    assert found is not None and found.format == expected
    assert found.extension == f".{expected}"


@pytest.mark.parametrize(("name", "family"), [("png", "image"), ("m4a", "audio"), ("mkv", "video")])
def test_families(name: str, family: str) -> None:
    found = sniff(SAMPLES[name])

    assert found is not None and found.family == family


def test_mp3_frame_sync_without_a_tag_is_mp3_not_aac() -> None:
    found = sniff(b"\xff\xfb\x90\x64\x00")

    assert found is not None and found.format == "mp3"


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"hello world, plain text",
        b"%PDF-1.7\n",
        b"PK\x03\x04zip",
        b"\x00\x00\x00\x18ftyp3gp4\x00\x00",  # 3GP: an ISO brand outside the accepted list
        b"\x00\x00\x00\x18ftypheic\x00\x00",  # HEIC
        b"\xff\xfd\x90",  # MPEG audio layer II, not mp3
        b"RIFF\x24\x00\x00\x00CDXA",
    ],
    ids=["empty", "text", "pdf", "zip", "3gp", "heic", "mp2", "riff-other"],
)
def test_everything_else_is_refused(head: bytes) -> None:
    assert sniff(head) is None


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("photo.png", "photo.png"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\evil.png", "evil.png"),
        ("/abs/path/x.jpg", "x.jpg"),
        ("a\x00b\x1f\nc.png", "abc.png"),
        ("..", "upload"),
        ("", "upload"),
        ("x" * 300 + ".png", "x" * 200),
    ],
)
def test_display_names_are_sanitised(raw: str, shown: str) -> None:
    assert display_name(raw) == shown
