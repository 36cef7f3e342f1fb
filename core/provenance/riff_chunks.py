"""A bounded walk over a WebP's RIFF chunks: VP8X/VP8/VP8L for the size, EXIF, XMP, C2PA.

Pillow's WebP reader hands the whole file to libwebp, so a 200 MB WebP would be held whole.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from core.provenance.raw import EXIF_CAP, MAX_BLOCKS, XMP_CAP, RawMetadata, read_span

SIGNATURE = b"RIFF"
FORM = b"WEBP"


def read_webp(stream: BinaryIO, size: int, meta: RawMetadata) -> None:
    """Fill `meta` from the WebP in `stream` (`size` is the file's length)."""
    meta.container = "webp"
    stream.seek(12)
    for _ in range(MAX_BLOCKS):
        head = stream.read(8)
        if len(head) < 8:
            if len(head):
                meta.damage.append("the file ends inside a chunk header")
            return
        kind, length = struct.unpack("<4sI", head)
        data_end = stream.tell() + length
        if data_end > size:
            meta.damage.append(f"chunk {kind!r} runs past the end of the file")
            return
        if kind == b"EXIF" and meta.exif is None:
            meta.exif = read_span(stream, length, EXIF_CAP)
        elif kind == b"XMP " and meta.xmp is None:
            meta.xmp = read_span(stream, length, XMP_CAP)
        elif kind == b"C2PA" and meta.c2pa_mime is None:
            meta.c2pa_mime = "image/webp"
            meta.c2pa_seen = True
            meta.c2pa_size = length
        elif kind in (b"VP8X", b"VP8 ", b"VP8L") and meta.width is None:
            _take_size(kind, stream.read(min(length, 10)), meta)
        stream.seek(data_end + (length & 1))
    meta.damage.append("too many chunks")


def _take_size(kind: bytes, data: bytes, meta: RawMetadata) -> None:
    if kind == b"VP8X" and len(data) >= 10:
        meta.width = int.from_bytes(data[4:7], "little") + 1
        meta.height = int.from_bytes(data[7:10], "little") + 1
    elif kind == b"VP8 " and len(data) >= 10 and data[3:6] == b"\x9d\x01\x2a":
        meta.width = struct.unpack("<H", data[6:8])[0] & 0x3FFF
        meta.height = struct.unpack("<H", data[8:10])[0] & 0x3FFF
    elif kind == b"VP8L" and len(data) >= 5 and data[0] == 0x2F:
        bits = int.from_bytes(data[1:5], "little")
        meta.width = (bits & 0x3FFF) + 1
        meta.height = ((bits >> 14) & 0x3FFF) + 1
