"""The metadata blocks a container walker lifts out of a file, and the limits every walker keeps.

The walkers (`png_chunks`, `jpeg_segments`, `riff_chunks`) read headers and the few blocks that
can hold a record; they seek past everything else and never hold more than these caps.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO

# Per text block: a ComfyUI workflow runs to a few hundred KB; anything past this is cut.
TEXT_CAP = 2 << 20
EXIF_CAP = 1 << 20
XMP_CAP = 2 << 20
# Files of unknown layout are searched for an XMP packet only this far.
XMP_SCAN = 4 << 20
# A manifest store past this is not handed to the c2pa library (real ones are well under).
C2PA_CAP = 32 << 20
# Enough blocks for a 200 MB PNG cut into 8 KB IDAT chunks; a walker stops past this.
MAX_BLOCKS = 100_000
_BLOCK = 1 << 16

# Only these PNG text keywords can carry a record; every other text chunk is skipped unread.
TEXT_KEYS = frozenset(
    {"parameters", "prompt", "workflow", "Comment", "Software", "Source", "XML:com.adobe.xmp"}
    # InvokeAI's records (newest to oldest) and NovelAI's prompt.
    | {"invokeai_metadata", "sd-metadata", "Dream", "Description"}
)


@dataclass
class RawMetadata:
    """What a walker found: header size, text blocks, XMP, EXIF, and whether C2PA is there."""

    container: str = "unknown"
    width: int | None = None
    height: int | None = None
    texts: dict[str, str] = field(default_factory=dict)
    cut: set[str] = field(default_factory=set)
    xmp: bytes | None = None
    exif: bytes | None = None
    comment: str | None = None
    # The MIME type to hand the c2pa library, or None when there is nothing for it to read;
    # `c2pa_seen` when the walker saw a manifest store (formats it cannot walk are only tried).
    c2pa_mime: str | None = None
    c2pa_seen: bool = False
    c2pa_size: int = 0
    damage: list[str] = field(default_factory=list)


def read_span(stream: BinaryIO, length: int, cap: int) -> bytes:
    """The first `cap` bytes of the next `length`, leaving the stream after all `length`."""
    kept = stream.read(min(length, cap))
    if length > len(kept):
        stream.seek(length - len(kept), 1)
    return kept


def read_crc_checked(
    stream: BinaryIO, kind: bytes, length: int, cap: int, head: bytes = b""
) -> tuple[bytes, bool]:
    """A PNG chunk's first `cap` data bytes (`head` already read) and whether its CRC holds.

    The bytes past the cap still run through the CRC, a block at a time, so a 10 MB chunk is
    checked without being held.
    """
    kept = head + stream.read(max(0, min(length, cap) - len(head)))
    crc = zlib.crc32(kept, zlib.crc32(kind))
    remaining = length - len(kept)
    while remaining > 0:
        block = stream.read(min(remaining, _BLOCK))
        if not block:
            return kept, False
        crc = zlib.crc32(block, crc)
        remaining -= len(block)
    stored = stream.read(4)
    return kept, len(stored) == 4 and struct.unpack(">I", stored)[0] == crc


def inflate(data: bytes, cap: int) -> tuple[bytes, bool]:
    """zlib data inflated to at most `cap` bytes, and whether it was cut (a zip bomb stops)."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, cap)
    except zlib.error:
        return b"", True
    return out, bool(inflater.unconsumed_tail)


def decode_text(data: bytes, *, cut: bool = False) -> str:
    """UTF-8 where it is (many tools write it even into latin-1 chunks), else latin-1.

    A block cut at the cap may end inside a UTF-8 sequence: that tail is dropped, not mangled.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if cut and exc.start >= len(data) - 3:
            return data[: exc.start].decode("utf-8", "replace")
        return data.decode("latin-1")


def find_xmp_packet(data: bytes) -> bytes | None:
    """The XMP packet in a run of bytes, if one starts there, cut at XMP_CAP."""
    start = data.find(b"<x:xmpmeta")
    if start < 0:
        start = data.find(b"<rdf:RDF")
    if start < 0:
        return None
    end = data.find(b"</x:xmpmeta>", start)
    if end < 0:
        end = data.find(b"</rdf:RDF>", start)
    stop = len(data) if end < 0 else end + 12
    return data[start : min(stop, start + XMP_CAP)]
