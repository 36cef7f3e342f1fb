"""A bounded walk over a JPEG's marker segments up to the image data: SOF for the size, APP1 for
EXIF and XMP, APP11 for C2PA (JUMBF), COM for a comment. Every segment is at most 64 KB, and the
walk stops at the first scan, so the pixels are never read."""

from __future__ import annotations

import struct
from typing import BinaryIO

from core.provenance.raw import MAX_BLOCKS, RawMetadata, decode_text

SIGNATURE = b"\xff\xd8"
_EXIF = b"Exif\0\0"
_XMP = b"http://ns.adobe.com/xap/1.0/\0"
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def read_jpeg(stream: BinaryIO, meta: RawMetadata) -> None:
    """Fill `meta` from the JPEG in `stream`."""
    meta.container = "jpeg"
    stream.seek(len(SIGNATURE))
    for _ in range(MAX_BLOCKS):
        marker = _next_marker(stream)
        if marker is None:
            meta.damage.append("the file ends before its image data")
            return
        if marker in (0xD9, 0xDA):
            return
        if marker in _STANDALONE or marker == 0xD8:
            continue
        head = stream.read(2)
        if len(head) < 2 or struct.unpack(">H", head)[0] < 2:
            meta.damage.append("a segment with a broken length")
            return
        length = struct.unpack(">H", head)[0] - 2
        payload = stream.read(length)
        if len(payload) < length:
            meta.damage.append("the file ends inside a segment")
            return
        _take(marker, payload, meta)
    meta.damage.append("too many segments")


def _next_marker(stream: BinaryIO) -> int | None:
    """The next marker code, skipping fill bytes; None at the end of the file or on garbage."""
    byte = stream.read(1)
    if byte != b"\xff":
        return None
    while byte == b"\xff":
        byte = stream.read(1)
    return byte[0] if byte else None


def _take(marker: int, payload: bytes, meta: RawMetadata) -> None:
    if marker == 0xE1 and payload.startswith(_EXIF) and meta.exif is None:
        meta.exif = payload
    elif marker == 0xE1 and payload.startswith(_XMP) and meta.xmp is None:
        meta.xmp = payload[len(_XMP) :]
    elif marker == 0xEB and payload[:2] == b"JP" and b"jumb" in payload[:16]:
        # C2PA splits its JUMBF store over as many APP11 segments as it needs.
        meta.c2pa_mime = "image/jpeg"
        meta.c2pa_seen = True
        meta.c2pa_size += len(payload)
    elif marker == 0xFE and meta.comment is None:
        meta.comment = decode_text(payload)
    elif marker in _SOF and len(payload) >= 5 and meta.width is None:
        meta.height, meta.width = struct.unpack(">HH", payload[1:5])
