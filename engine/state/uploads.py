"""Receiving files: multipart bodies streamed to disk under a byte cap (URLs:
`engine.state.url_fetch`).

Nothing is held in memory beyond one network chunk. Parsing and writing run in a worker thread
so a 200 MB upload never stalls the event loop. Past the cap the file is deleted and the rest of
the body is read and discarded, up to twice the cap, so the client gets its 4002 answer instead
of a broken pipe; a body larger than that is cut off (`Oversize.close_connection`).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

import anyio.to_thread
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from engine.errors import ApiError, file_too_large, unsupported_file
from engine.state.media import HEAD_BYTES

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class Received:
    """A file written to the staging folder, not yet judged."""

    path: Path
    display_name: str
    size: int = 0
    head: bytes = b""
    digest: str = ""


class Oversize(ApiError):
    """Code 4002; `close_connection` when the body ran past twice the cap and was cut off."""

    def __init__(self, limit_mb: int, *, close_connection: bool) -> None:
        base = file_too_large(limit_mb)
        super().__init__(base.code, base.message)
        self.close_connection = close_connection


def display_name(raw: str, fallback: str = "upload") -> str:
    """A name fit to show: basename only, no control characters, no ``..``, bounded length."""
    name = _CONTROL.sub("", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = name.replace("..", "").strip(" .")
    return name[:200] or fallback


@dataclass
class _Sink:
    """One file being written: its size, first bytes and running hash."""

    received: Received
    handle: IO[bytes]
    hasher: hashlib._Hash = field(default_factory=hashlib.sha256)

    def write(self, data: bytes) -> None:
        if len(self.received.head) < HEAD_BYTES:
            self.received.head = (self.received.head + data)[:HEAD_BYTES]
        self.received.size += len(data)
        self.handle.write(data)
        self.hasher.update(data)

    def close(self) -> None:
        self.handle.close()
        self.received.digest = self.hasher.hexdigest()


class Staging:
    """Files of one request in the staging folder; all deleted unless the request succeeds.

    Writing stops at the cap (`too_large`); the caller decides what to answer."""

    def __init__(self, folder: Path, cap_bytes: int) -> None:
        self._folder = folder
        self._cap = cap_bytes
        self.files: list[Received] = []
        self.current: _Sink | None = None
        self.too_large = False

    def open(self, raw_name: str) -> None:
        path = self._folder / f"{uuid.uuid4().hex}.part"
        received = Received(path=path, display_name=display_name(raw_name))
        self.files.append(received)
        self.current = _Sink(received, path.open("wb"))

    def write(self, data: bytes) -> None:
        if self.current is None or self.too_large:
            return
        if self.current.received.size + len(data) > self._cap:
            self.too_large = True  # stop writing at the cap; the caller discards the rest
            return
        self.current.write(data)

    def close_current(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None

    def discard(self) -> None:
        self.close_current()
        for received in self.files:
            received.path.unlink(missing_ok=True)
        self.files.clear()


class MultipartReceiver:
    """Parses ``multipart/form-data`` from a byte stream, writing every file part to staging."""

    def __init__(self, staging_dir: Path, max_upload_mb: int) -> None:
        self._staging_dir = staging_dir
        self._limit_mb = max_upload_mb
        self._cap = max_upload_mb * 1024 * 1024

    async def receive(self, content_type: str, body: AsyncIterator[bytes]) -> list[Received]:
        kind, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise unsupported_file("expected multipart/form-data with a 'files' field")
        staging = Staging(self._staging_dir, self._cap)
        parser = MultipartParser(boundary, self._callbacks(staging))
        total = 0
        try:
            async for chunk in body:
                total += len(chunk)
                await anyio.to_thread.run_sync(parser.write, chunk)
                if staging.too_large:
                    break
            else:
                await anyio.to_thread.run_sync(parser.finalize)
        except MultipartParseError as exc:
            staging.discard()
            raise unsupported_file(f"malformed multipart body ({exc})") from exc
        except BaseException:
            staging.discard()
            raise
        if staging.too_large:
            staging.discard()
            await self._drain(body, total)
        staging.close_current()
        return staging.files

    async def _drain(self, body: AsyncIterator[bytes], already: int) -> None:
        total = already
        async for chunk in body:
            total += len(chunk)
            if total > 2 * self._cap:
                raise Oversize(self._limit_mb, close_connection=True)
        raise Oversize(self._limit_mb, close_connection=False)

    def _callbacks(self, staging: Staging) -> MultipartCallbacks:
        header: dict[str, bytes] = {"field": b"", "value": b""}
        disposition: dict[bytes, bytes] = {}

        def on_header_field(data: bytes, start: int, end: int) -> None:
            header["field"] += data[start:end]

        def on_header_value(data: bytes, start: int, end: int) -> None:
            header["value"] += data[start:end]

        def on_header_end() -> None:
            if header["field"].lower() == b"content-disposition":
                disposition.clear()
                disposition.update(parse_options_header(header["value"])[1])
            header["field"] = header["value"] = b""

        def on_headers_finished() -> None:
            # Every part that carries a filename is a file, whatever its field is called.
            if b"filename" in disposition:
                staging.open(disposition[b"filename"].decode("utf-8", "replace"))
            disposition.clear()

        def on_part_data(data: bytes, start: int, end: int) -> None:
            staging.write(data[start:end])

        return {
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": staging.close_current,
        }
