"""A multipart/form-data body streamed from an async byte source, never held in memory.

httpx can stream a multipart upload only from a synchronous file object; the core's attachment
sources are asynchronous (a Telegram or Discord download), so the body is framed here instead.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_filename(name: str) -> str:
    """An ASCII basename without quotes, separators or control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip(" .")
    return cleaned[:120] or "upload"


class MultipartFile:
    """One ``files`` part; `headers` and `body()` form the request; `length` when size is known."""

    def __init__(
        self,
        source: AsyncIterator[bytes],
        *,
        filename: str,
        content_type: str = "application/octet-stream",
        size: int | None = None,
        field: str = "files",
    ) -> None:
        self._source = source
        self.boundary = secrets.token_hex(16)
        self._head = (
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="{safe_filename(filename)}"'
            f"\r\nContent-Type: {content_type}\r\n\r\n"
        ).encode()
        self._tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.length = None if size is None else len(self._head) + size + len(self._tail)
        self.sent_bytes = 0

    @property
    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": f"multipart/form-data; boundary={self.boundary}"}
        if self.length is not None:
            headers["Content-Length"] = str(self.length)
        return headers

    async def body(self) -> AsyncIterator[bytes]:
        yield self._head
        async for chunk in self._source:
            self.sent_bytes += len(chunk)
            yield chunk
        yield self._tail
