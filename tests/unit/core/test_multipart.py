"""The streamed multipart body is exactly what a form parser expects."""

from __future__ import annotations

from collections.abc import AsyncIterator

from core.backend.nemo.multipart import MultipartFile, safe_filename


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_body_frames_the_stream_and_length_matches() -> None:
    part = MultipartFile(
        chunks(b"abc", b"def"), filename="photo.png", content_type="image/png", size=6
    )
    body = b"".join([piece async for piece in part.body()])
    assert part.length == len(body)
    assert part.headers["Content-Length"] == str(len(body))
    assert f"boundary={part.boundary}" in part.headers["Content-Type"]
    assert b'name="files"; filename="photo.png"' in body
    assert b"\r\n\r\nabcdef\r\n--" + part.boundary.encode() + b"--\r\n" in body


async def test_unknown_size_means_no_content_length() -> None:
    part = MultipartFile(chunks(b"x"), filename="a.jpg")
    assert "Content-Length" not in part.headers


def test_filenames_cannot_escape_or_break_the_header() -> None:
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename('evil"\r\nX-Injected: 1.png') == "evil_X-Injected_ 1.png"
    assert safe_filename("..") == "upload"
    assert safe_filename("C:\\photos\\me.jpg") == "me.jpg"
