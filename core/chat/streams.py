"""Small helpers over an attachment's byte stream while it flows to the backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

from core.messages import Attachment

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".heic", ".avif")


class Ticking(Protocol):
    async def tick(self) -> None: ...


def looks_like_image(attachment: Attachment) -> bool:
    """Worth reading for provenance: an image by its type or its name."""
    if attachment.mime:
        return attachment.mime.startswith("image/")
    return attachment.filename.lower().endswith(IMAGE_SUFFIXES)


async def teed(stream: AsyncIterator[bytes], copy: Path) -> AsyncIterator[bytes]:
    """Pass the stream on unchanged and keep a copy on disk (the original, nothing stripped)."""
    with copy.open("wb") as out:
        async for chunk in stream:
            out.write(chunk)
            yield chunk


async def ticking(stream: AsyncIterator[bytes], ctx: Ticking) -> AsyncIterator[bytes]:
    """Lease and cancellation checks while a long upload runs."""
    async for chunk in stream:
        await ctx.tick()
        yield chunk
