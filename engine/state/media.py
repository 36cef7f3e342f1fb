"""What a file is, judged by its first bytes (magic numbers), never by its name.

The accepted formats are the cloud's: mp4 mov avi webm mkv jpg png gif webp mp3 wav m4a aac.
ISO media brands that are not among them (3GP, HEIC, AVIF) are refused even though they share
the ``ftyp`` box with MP4.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Family = Literal["video", "image", "audio"]

# How many leading bytes `sniff` needs to decide.
HEAD_BYTES = 64

_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)
_RIFF_KINDS = {b"WEBP": "webp", b"WAVE": "wav", b"AVI ": "avi"}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
_QUICKTIME_BRANDS = {b"qt  "}
_REFUSED_BRANDS_PREFIXES = (b"3g", b"hei", b"hev", b"mif1", b"msf1", b"avif", b"avis", b"crx ")
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_FAMILIES: dict[str, Family] = {
    "mp4": "video",
    "mov": "video",
    "avi": "video",
    "webm": "video",
    "mkv": "video",
    "jpg": "image",
    "png": "image",
    "gif": "image",
    "webp": "image",
    "mp3": "audio",
    "wav": "audio",
    "m4a": "audio",
    "aac": "audio",
}


@dataclass(frozen=True)
class Sniffed:
    """A recognised format and the kind of media it holds."""

    format: str
    family: Family

    @property
    def extension(self) -> str:
        return "." + self.format


def sniff(head: bytes) -> Sniffed | None:
    """The format of a file starting with `head`, or None when it is none of the accepted ones."""
    found = _format_of(head)
    return Sniffed(found, _FAMILIES[found]) if found else None


def _format_of(head: bytes) -> str | None:
    for magic, name in _IMAGE_MAGIC:
        if head.startswith(magic):
            return name
    if head[:4] == b"RIFF" and len(head) >= 12:
        return _RIFF_KINDS.get(head[8:12])
    if head[:4] == b"\x1a\x45\xdf\xa3":
        # EBML: the DocType element says whether this Matroska file is WebM.
        return "webm" if b"webm" in head[:HEAD_BYTES] else "mkv"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _iso_brand(head[8:12])
    if len(head) >= 8 and head[4:8] in _QUICKTIME_ATOMS:
        return "mov"
    return _audio_stream(head)


def _iso_brand(brand: bytes) -> str | None:
    if brand in _AUDIO_BRANDS:
        return "m4a"
    if brand in _QUICKTIME_BRANDS:
        return "mov"
    if brand.startswith(_REFUSED_BRANDS_PREFIXES):
        return None
    return "mp4"


def _audio_stream(head: bytes) -> str | None:
    if head.startswith(b"ID3"):
        return "mp3"
    if head.startswith(b"ADIF"):
        return "aac"
    if len(head) < 2 or head[0] != 0xFF:
        return None
    second = head[1]
    if second & 0xF6 == 0xF0:  # ADTS: 12-bit sync, layer bits 00
        return "aac"
    if second & 0xE0 == 0xE0 and (second >> 1) & 0b11 == 0b01:  # MPEG audio, Layer III
        return "mp3"
    return None
