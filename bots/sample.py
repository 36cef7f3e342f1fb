"""A sample picture for `clipbridge demo`, drawn on the spot so nothing binary ships.

The demo's picture carries the record an AI image generator leaves in its PNGs (Automatic1111's
`parameters` text chunk), so the first video a newcomer sees shows what the bot reads from a
file: the provenance card, and the explainer's lines on how the picture was made.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter
from PIL.PngImagePlugin import PngInfo

# What Automatic1111 writes, line by line: the prompt, the negative prompt, then the settings.
DEMO_RECORD = (
    "a quiet mountain valley at dusk, a glowing orange sun low over layered purple ridges, "
    "soft haze, film grain, wide landscape photograph\n"
    "Negative prompt: text, watermark, people, blurry\n"
    "Steps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 1206884217, "
    "Size: 1216x832, Model hash: 31e35c80fc, Model: sd_xl_base_1.0, Version: v1.10.1"
)
DEMO_SIZE = (1216, 832)  # the size in the record


def make_sample_photo(path: Path, size: tuple[int, int] = (2400, 1600), seed: int = 7) -> Path:
    """A dusk landscape with a glowing sun, mountain ridges and film grain, saved as JPEG."""
    rng = random.Random(seed)
    width, height = size
    sky = Image.linear_gradient("L").resize(size)
    image = Image.merge(
        "RGB",
        (
            sky.point(lambda v: 40 + v * 0.75),
            sky.point(lambda v: 20 + v * 0.35),
            sky.point(lambda v: 90 - v * 0.25),
        ),
    )
    draw = ImageDraw.Draw(image)
    sun_x, sun_y, radius = width * 0.68, height * 0.52, height * 0.12
    for step in range(40, 0, -1):
        grow = radius * (1 + step / 30)
        shade = (255, 180 - step * 2, 90 - step)
        draw.ellipse((sun_x - grow, sun_y - grow, sun_x + grow, sun_y + grow), fill=shade)
    image = image.filter(ImageFilter.GaussianBlur(18))
    draw = ImageDraw.Draw(image)
    for layer, (base, color) in enumerate(
        ((0.62, (70, 40, 90)), (0.72, (45, 25, 60)), (0.84, (25, 15, 35)))
    ):
        points: list[tuple[float, float]] = [(0, height)]
        y = height * base
        for x in range(0, width + 80, 80):
            y += rng.uniform(-40, 40) * (1 + layer * 0.4)
            y = min(max(y, height * (base - 0.12)), height * (base + 0.08))
            points.append((x, y))
        points.append((width, height))
        draw.polygon(points, fill=color)
    grain = Image.effect_noise(size, 18).convert("RGB")
    image = Image.blend(image, grain, 0.06)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=90)
    return path


def make_demo_picture(path: Path, parameters: str = DEMO_RECORD) -> Path:
    """The demo's picture: the sample landscape as a PNG carrying an Automatic1111 record."""
    photo = make_sample_photo(path.with_suffix(".jpg"), size=DEMO_SIZE)
    return with_parameters(photo, path, parameters)


def with_parameters(picture: Path, path: Path, parameters: str) -> Path:
    """`picture` saved as a PNG at `path` with a `parameters` text chunk, as Automatic1111 and
    its forks write their record."""
    info = PngInfo()
    info.add_text("parameters", parameters)
    with Image.open(picture) as image:
        image.save(path, "PNG", pnginfo=info)
    return path
