"""What a received file holds: its kind by content, its size, length and dominant colours.

Images are read with Pillow behind its decompression-bomb guard (a picture whose pixel count
would exhaust memory is refused, not decoded); video and audio with `engine.render.probe`.
"""

from __future__ import annotations

import colorsys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import anyio.to_thread
from PIL import Image, UnidentifiedImageError

from engine.errors import unsupported_file
from engine.render.probe import ProbeError, probe
from engine.state.media import Sniffed, sniff

_HUES = (
    (15, "red"),
    (40, "orange"),
    (70, "yellow"),
    (160, "green"),
    (195, "teal"),
    (255, "blue"),
    (290, "purple"),
    (335, "pink"),
    (360, "red"),
)


@dataclass(frozen=True)
class MediaFacts:
    """What the engine knows about one upload."""

    format: str
    file_type: str  # video | image | audio
    width: int = 0
    height: int = 0
    duration: float | None = None
    fps: float | None = None
    colours: list[str] = field(default_factory=list)


async def inspect(path: Path, head: bytes, size: int, ffmpeg: str) -> MediaFacts:
    """Judge a stored file by its content; 4001 when it is empty, unknown or unreadable."""
    if size == 0:
        raise unsupported_file("the file is empty")
    sniffed = sniff(head)
    if sniffed is None:
        raise unsupported_file("the file's content is not a supported format")
    if sniffed.family == "image":
        return await anyio.to_thread.run_sync(_inspect_image, path, sniffed)
    try:
        info = await probe(path, ffmpeg)
    except ProbeError as exc:
        raise unsupported_file(f"the file could not be read as {sniffed.format}") from exc
    has_picture = info.video_codec is not None and sniffed.family == "video"
    return MediaFacts(
        format=sniffed.format,
        file_type="video" if has_picture else "audio",
        width=info.width if has_picture else 0,
        height=info.height if has_picture else 0,
        duration=round(info.duration_s, 3) if info.duration_s is not None else None,
        fps=info.fps if has_picture else None,
    )


def _inspect_image(path: Path, sniffed: Sniffed) -> MediaFacts:
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 1x and 2x its pixel limit; refuse both alike.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                image.draft("RGB", (256, 256))  # JPEG decodes at a fraction of full size
                small = image.convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise unsupported_file(
            "the image has too many pixels to decode safely (decompression bomb guard)"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise unsupported_file(f"the image could not be decoded as {sniffed.format}") from exc
    return MediaFacts(
        format=sniffed.format,
        file_type="image",
        width=width,
        height=height,
        colours=dominant_colours(small),
    )


def dominant_colours(image: Image.Image, count: int = 3) -> list[str]:
    """Names of the most common colours, most common first, without repeats."""
    small = image.convert("RGB")
    small.thumbnail((64, 64))
    quantized = small.quantize(colors=6, method=Image.Quantize.MEDIANCUT)
    palette: list[int] = list(quantized.getpalette() or [])
    names: list[str] = []
    for _, index in sorted(quantized.getcolors() or [], reverse=True):
        if not isinstance(index, int):  # a "P" image reports palette indices
            continue
        red, green, blue = palette[index * 3 : index * 3 + 3]
        name = colour_name(red, green, blue)
        if name not in names:
            names.append(name)
    return names[:count]


def colour_name(red: int, green: int, blue: int) -> str:
    """A plain English name for an RGB colour ("dark blue", "white", "orange")."""
    hue, saturation, value = colorsys.rgb_to_hsv(red / 255, green / 255, blue / 255)
    if value < 0.15:
        return "black"
    if saturation < 0.18:
        return "white" if value > 0.85 else "grey" if value > 0.35 else "dark grey"
    degrees = hue * 360
    name = next(label for limit, label in _HUES if degrees < limit or limit == 360)
    if value < 0.45:
        return f"dark {name}"
    if saturation < 0.45 and value > 0.7:
        return f"light {name}"
    return name
