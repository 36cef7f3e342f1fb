"""A bounded walk over a PNG's chunks: IHDR, the text chunks that can hold a record, eXIf, caBX.

Pillow's PNG reader stops at the first IDAT (text after it is unread until the pixels load) and
holds each text chunk whole; generators write records on either side of the pixels and a hostile
file can make one chunk 200 MB. So the chunks are walked here, seeking past the pixels.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from core.provenance.raw import (
    EXIF_CAP,
    MAX_BLOCKS,
    TEXT_CAP,
    TEXT_KEYS,
    RawMetadata,
    decode_text,
    inflate,
    read_crc_checked,
)

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")
# A keyword is at most 79 bytes and its NUL: enough to decide whether a text chunk matters.
_KEYWORD_PEEK = 80


def read_png(stream: BinaryIO, size: int, meta: RawMetadata) -> None:
    """Fill `meta` from the PNG in `stream` (positioned anywhere; `size` is the file's length)."""
    meta.container = "png"
    stream.seek(len(SIGNATURE))
    for _ in range(MAX_BLOCKS):
        head = stream.read(8)
        if len(head) < 8:
            meta.damage.append("the file ends before its last chunk")
            return
        length, kind = struct.unpack(">I4s", head)
        end = stream.tell() + length + 4
        if not kind.isalpha() or end > size:
            meta.damage.append(f"chunk {kind!r} runs past the end of the file")
            return
        if kind == b"IEND":
            return
        if kind == b"IHDR" and length == 13:
            data, ok = read_crc_checked(stream, kind, length, length)
            if ok:
                meta.width, meta.height = struct.unpack(">II", data[:8])
        elif kind in _TEXT_CHUNKS:
            _read_text_chunk(stream, kind, length, meta)
        elif kind == b"eXIf" and meta.exif is None:
            data, ok = read_crc_checked(stream, kind, length, EXIF_CAP)
            if ok:
                meta.exif = data
            else:
                meta.damage.append("bad CRC in eXIf")
        elif kind == b"caBX" and meta.c2pa_mime is None:
            # The c2pa library reads and checks the manifest itself; only its presence matters.
            meta.c2pa_mime = "image/png"
            meta.c2pa_seen = True
            meta.c2pa_size = length
        stream.seek(end)
    meta.damage.append("too many chunks")


def _read_text_chunk(stream: BinaryIO, kind: bytes, length: int, meta: RawMetadata) -> None:
    head = stream.read(min(length, _KEYWORD_PEEK))
    keyword = head.split(b"\0", 1)[0].decode("latin-1")
    if keyword not in TEXT_KEYS or keyword in meta.texts:
        return
    data, ok = read_crc_checked(stream, kind, length, TEXT_CAP, head)
    if not ok:
        meta.damage.append(f"bad CRC in the {keyword!r} text chunk")
        return
    text, cut = _text_of(kind, data[len(keyword) + 1 :], cut=length > len(data))
    if text is None:
        meta.damage.append(f"unreadable {keyword!r} text chunk")
        return
    if keyword == "XML:com.adobe.xmp":
        meta.xmp = text.encode("utf-8")
    else:
        meta.texts[keyword] = text
    if cut:
        meta.cut.add(keyword)


def _text_of(kind: bytes, body: bytes, *, cut: bool) -> tuple[str | None, bool]:
    """The text of a tEXt/zTXt/iTXt body (after the keyword's NUL), and whether it was cut."""
    if kind == b"tEXt":
        return decode_text(body, cut=cut), cut
    if kind == b"zTXt":
        if not body or body[0] != 0:
            return None, cut
        data, inflated_cut = inflate(body[1:], TEXT_CAP)
        return decode_text(data, cut=cut or inflated_cut), cut or inflated_cut
    if len(body) < 2:
        return None, cut
    compressed, method = body[0], body[1]
    parts = body[2:].split(b"\0", 2)
    if len(parts) < 3:
        return None, cut
    data = parts[2]
    if compressed:
        if method != 0:
            return None, cut
        data, inflated_cut = inflate(data, TEXT_CAP)
        cut = cut or inflated_cut
    return decode_text(data, cut=cut), cut
