"""Which walker reads a file, chosen from its first bytes; formats without a walker of their own
get an XMP search over their first few MB, Pillow's lazy header read for TIFF's EXIF, and a try
by the c2pa library when their magic is a format it reads."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import BinaryIO

from PIL import Image

from core.provenance import jpeg_segments, png_chunks, riff_chunks
from core.provenance.raw import EXIF_CAP, XMP_SCAN, RawMetadata, find_xmp_packet

log = logging.getLogger(__name__)

# Magic bytes of formats the c2pa library reads but no walker here does.
_C2PA_MAGIC = (
    (b"II*\0", "image/tiff"),
    (b"MM\0*", "image/tiff"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\xff\x0a", "image/jxl"),
    (b"\0\0\0\x0cJXL \r\n\x87\n", "image/jxl"),
)
_HEIF_BRANDS = {b"avif": "image/avif", b"avis": "image/avif"} | dict.fromkeys(
    (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"), "image/heic"
)


def read_raw(path: Path, meta: RawMetadata) -> None:
    """Fill `meta` with the metadata blocks of the file at `path`, within the caps of `raw`.

    `meta` is the caller's, so whatever was read before a failure is kept.
    """
    with path.open("rb") as stream:
        size = path.stat().st_size
        magic = stream.read(16)
        if magic.startswith(png_chunks.SIGNATURE):
            png_chunks.read_png(stream, size, meta)
        elif magic.startswith(jpeg_segments.SIGNATURE):
            jpeg_segments.read_jpeg(stream, meta)
        elif magic[:4] == riff_chunks.SIGNATURE and magic[8:12] == riff_chunks.FORM:
            riff_chunks.read_webp(stream, size, meta)
        else:
            _read_other(stream, magic, meta)


def _read_other(stream: BinaryIO, magic: bytes, meta: RawMetadata) -> None:
    stream.seek(0)
    meta.xmp = find_xmp_packet(stream.read(XMP_SCAN))
    meta.c2pa_mime = _c2pa_mime(magic)
    if meta.c2pa_mime == "image/tiff":
        meta.container = "tiff"
        _read_tiff_exif(stream, meta)


def _c2pa_mime(magic: bytes) -> str | None:
    for prefix, mime in _C2PA_MAGIC:
        if magic.startswith(prefix):
            return mime
    if magic[4:8] == b"ftyp":
        return _HEIF_BRANDS.get(magic[8:12])
    return None


def _read_tiff_exif(stream: BinaryIO, meta: RawMetadata) -> None:
    """TIFF (and camera raw) keeps its tags in IFDs anywhere in the file: Pillow's lazy open
    reads just those. A bomb-sized header needs no pixels, so the bomb check only costs the EXIF.
    """
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(stream, formats=["TIFF"]) as image:
                meta.width, meta.height = image.size
                exif = image.getexif().tobytes()
    except Image.DecompressionBombError:
        log.debug("tiff header is bomb-sized; its EXIF is not read")
        return
    except Exception:  # Pillow raises many kinds on odd TIFFs; the EXIF is simply absent
        log.debug("tiff header unreadable", exc_info=True)
        return
    if len(exif) <= EXIF_CAP:
        meta.exif = exif
