"""Photo sizes and thumbnails as Telegram builds them from an uploaded image.

Telegram stores a photo as several PhotoSize entries of increasing size (the last is the
largest); the fake makes three: 90 and 320 pixels on the long side, re-encoded as JPEG, and
the original bytes with their real dimensions. Bytes that are not an image (or a
decompression bomb) still get three entries, all carrying the original bytes.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image

from tests.fakes.telegram.objects import JSON
from tests.fakes.telegram.state import StoredFile, TelegramState

_SMALLER_SIDES = (90, 320)
_UNREADABLE_SIZE = (1280, 960)


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of an image Pillow can open safely, else None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return image.size
    except Exception:
        return None


def _scaled_jpeg(data: bytes, side: int) -> tuple[bytes, int, int] | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.thumbnail((side, side))
                out = io.BytesIO()
                image.convert("RGB").save(out, "JPEG", quality=80)
                return out.getvalue(), image.width, image.height
    except Exception:
        return None


def _photo_size(stored: StoredFile, width: int, height: int) -> JSON:
    return {**stored.common_fields(), "width": width, "height": height}


def photo_sizes(state: TelegramState, data: bytes) -> list[JSON]:
    """Three stored PhotoSize entries for `data`, smallest first."""
    full_size = image_size(data)
    width, height = full_size or _UNREADABLE_SIZE
    sizes = []
    for side in _SMALLER_SIDES:
        scaled = _scaled_jpeg(data, side) if full_size else None
        if scaled is None:
            ratio = side / max(width, height)
            scaled = data, max(1, round(width * ratio)), max(1, round(height * ratio))
        stored = state.store_file(scaled[0], kind="photos", file_name="photo.jpg")
        sizes.append(_photo_size(stored, scaled[1], scaled[2]))
    stored = state.store_file(data, kind="photos", file_name="photo.jpg")
    sizes.append(_photo_size(stored, width, height))
    return sizes


def thumbnail(state: TelegramState, data: bytes) -> JSON:
    """The PhotoSize of an uploaded thumbnail (320 px at most, as Telegram requires)."""
    width, height = image_size(data) or (320, 180)
    stored = state.store_file(data, kind="thumbnails", file_name="thumb.jpg")
    return _photo_size(stored, width, height)
