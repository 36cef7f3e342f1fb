"""Text roles drawn with Pillow as RGBA pictures that FFmpeg lays over the video.

Every text is drawn with the engine's own fonts (`engine/render/fonts`): Noto Sans CJK in its
Simplified Chinese forms, cut down to what the videos need, and for a text with Arabic in it,
Noto Sans Arabic joined to Noto Sans's Latin. No system font is needed; English, Chinese, Arabic
and the symbols our texts use all render. Pillow lays text out with libraqm, so Arabic is joined
and shaped, and a line runs right to left when it starts in Arabic, with numbers and Latin
words inside it left to right. A character it lacks (an emoji, a
rare hanzi) is drawn as the font's empty box rather than failing. Text without spaces (Chinese)
wraps between characters. Sizes follow the canvas's short side, which is 1080 on every supported
canvas, so text reads the same on 16:9, 9:16 and 1:1.

Every overlay stays inside the title-safe area (``SAFE_MARGIN`` of each side); long text is
wrapped to ``MAX_LINES`` and then cut at a word boundary with an ellipsis.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
FONT_FILE = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-Clipbridge.otf"
ARABIC_FONT_FILE = FONT_FILE.with_name("NotoSansArabic-Clipbridge.ttf")
SAFE_MARGIN = 0.075  # of the width and of the height, each side
MAX_LINES = 3
ELLIPSIS = "\u2026"
# Punctuation that never starts a line (it closes something), and that never ends one.
CLOSING = frozenset("，。、；：！？）」』”’》〉】,.;:!?)]}%\u2026")
OPENING = frozenset("（「『“‘《〈【([{")
MAX_TEXT_CHARS = 600  # more can never show in three lines; bounds the wrapping work
WHITE = (255, 255, 255, 255)


@dataclass(frozen=True)
class Overlay:
    """An RGBA picture and where its top-left corner goes on the canvas (even, for yuv420p)."""

    image: Image.Image
    x: int
    y: int


def clean_text(text: str) -> str:
    """One line of printable text: control and format characters and newlines become spaces."""
    kept = [" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text[:MAX_TEXT_CHARS]]
    return " ".join("".join(kept).split())


def _width(font: Font, text: str) -> float:
    return float(font.getlength(text))


def _split_word(word: str, font: Font, max_width: float) -> tuple[str, str]:
    """The longest head of `word` that fits (at least one character) and the rest."""
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if _width(font, word[:middle]) <= max_width:
            low = middle
        else:
            high = middle - 1
    return word[:low], word[low:]


def break_units(text: str) -> list[str]:
    """The pieces a line may break between, each with the space before it if it had one: a
    word of spaced text, or one CJK character. Closing punctuation stays with what it closes
    and opening punctuation with what it opens, so neither starts or ends a line alone."""
    units: list[str] = []
    unit, complete = "", False  # complete: the unit ends with a CJK character
    for char in text:
        if char == " ":
            if unit.strip():
                units.append(unit)
            unit, complete = " ", False
        elif char in CLOSING:
            unit += char
        elif unit.strip() and (complete or _is_cjk(char)) and unit[-1] not in OPENING:
            units.append(unit)
            unit, complete = char, _is_cjk(char)
        else:
            unit, complete = unit + char, _is_cjk(char)
    if unit.strip():
        units.append(unit)
    return units


def _is_cjk(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _greedy_lines(units: list[str], font: Font, max_width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    index = 0
    while index < len(units):
        candidate = current + units[index] if current else units[index].lstrip()
        if _width(font, candidate) <= max_width:
            current, index = candidate, index + 1
        elif current:
            lines.append(current)
            current = ""
        else:  # one word wider than the line: break it between characters
            head, units[index] = _split_word(units[index].lstrip(), font, max_width)
            lines.append(head)
    if current:
        lines.append(current)
    return lines


def _with_ellipsis(line: str, font: Font, max_width: float) -> str:
    words = line.split(" ")
    while len(words) > 1 and _width(font, " ".join(words) + ELLIPSIS) > max_width:
        words.pop()
    text = " ".join(words)
    while len(text) > 1 and _width(font, text + ELLIPSIS) > max_width:
        text = text[:-1]
    return text.rstrip(" ,;:.-") + ELLIPSIS


def _balanced(units: list[str], font: Font, max_width: float, lines: list[str]) -> list[str]:
    """The same number of lines at the narrowest width that keeps it, so the lines come out
    about even rather than a full line and a word or two left over."""
    if len(lines) < 2:
        return lines
    low, high = max_width / len(lines), max_width
    best = lines
    for _ in range(12):
        middle = (low + high) / 2
        trial = _greedy_lines(units, font, middle)
        if len(trial) == len(lines):
            best, high = trial, middle
        else:
            low = middle
    return best


def wrap_text(text: str, font: Font, max_width: float, max_lines: int = MAX_LINES) -> list[str]:
    """Wrap to at most `max_lines` lines no wider than `max_width`; mark a cut with an ellipsis."""
    cleaned = clean_text(text)
    if not cleaned:
        return []
    units = break_units(cleaned)
    lines = _greedy_lines(units, font, max_width)
    if len(lines) <= max_lines and len(text) <= MAX_TEXT_CHARS:
        return _balanced(units, font, max_width, lines)
    kept = lines[:max_lines]
    kept[-1] = _with_ellipsis(kept[-1], font, max_width)
    return kept


ARABIC_LEADING = 1.3  # Arabic reaches higher (its marks) and lower than Latin: wider lines


def is_arabic(text: str) -> bool:
    return any("\u0600" <= char <= "\u08ff" or "\ufb50" <= char <= "\ufeff" for char in text)


def right_to_left(text: str) -> bool:
    """Whether the paragraph runs right to left: its first strong character is (Unicode's rule,
    which every chat client applies too)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def _leading(text: str, size: int, factor: float) -> int:
    return round(factor * size * (ARABIC_LEADING if is_arabic(text) else 1))


def font_for(text: str, size: int) -> Font:
    """The font that has `text`'s script: the Arabic one for any Arabic, else the CJK one."""
    return _font(size, arabic=is_arabic(text))


@functools.cache
def _font(size: int, arabic: bool = False) -> Font:
    return ImageFont.truetype(str(ARABIC_FONT_FILE if arabic else FONT_FILE), size=size)


def _even(value: float) -> int:
    return int(value) // 2 * 2


def _draw_lines(
    draw: ImageDraw.ImageDraw,
    lines: list[str],
    font: Font,
    centre_x: float,
    top: float,
    line_height: int,
    fill: tuple[int, int, int, int] = WHITE,
    stroke: int = 0,
) -> None:
    # The whole paragraph's direction on every line: a line of an Arabic text that begins with
    # a Latin name still runs right to left.
    direction = "rtl" if right_to_left(" ".join(lines)) else None
    for number, line in enumerate(lines):
        draw.text(
            (centre_x, top + number * line_height),
            line,
            font=font,
            fill=fill,
            anchor="ma",
            stroke_width=stroke,
            stroke_fill=(0, 0, 0, 220),
            direction=direction,
        )


def draw_caption(text: str, width: int, height: int) -> Overlay | None:
    """Lower-third caption: white text on a translucent rounded box, centred."""
    short = min(width, height)
    size = round(0.045 * short)
    pad_x, pad_y = round(0.6 * size), round(0.35 * size)
    line_height = _leading(text, size, 1.25)
    font = font_for(text, size)
    lines = wrap_text(text, font, width * (1 - 2 * SAFE_MARGIN) - 2 * pad_x)
    if not lines:
        return None
    box_w = _even(max(_width(font, line) for line in lines) + 2 * pad_x + 2)
    box_h = _even(len(lines) * line_height + 2 * pad_y + 2)
    image = Image.new("RGBA", (box_w, box_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, box_w - 1, box_h - 1), radius=size // 3, fill=(0, 0, 0, 175))
    _draw_lines(draw, lines, font, box_w / 2, pad_y + 0.1 * size, line_height)
    # Portrait videos keep more room at the bottom, where players put their controls.
    bottom = height * (0.14 if height > width else 0.1)
    return Overlay(image, _even((width - box_w) / 2), _even(height - bottom - box_h))


def draw_title(text: str, width: int, height: int) -> Overlay | None:
    """Large title in the upper third: white with an outline and a soft shadow, no box."""
    short = min(width, height)
    size = round(0.075 * short)
    pad = round(0.25 * size)  # room for the blurred shadow
    line_height = _leading(text, size, 1.2)
    font = font_for(text, size)
    lines = wrap_text(text, font, width * (1 - 2 * SAFE_MARGIN) - 2 * pad)
    if not lines:
        return None
    box_w = _even(max(_width(font, line) for line in lines) + 2 * pad + 2)
    # Arabic's lowest letters reach further below the line than its wider leading gives back.
    below = round(0.25 * size) if is_arabic(text) else 0
    box_h = _even(len(lines) * line_height + 2 * pad + below)
    shadow = Image.new("RGBA", (box_w, box_h), (0, 0, 0, 0))
    offset = max(2, size // 25)
    _draw_lines(
        ImageDraw.Draw(shadow), lines, font, box_w / 2 + offset, pad + offset, line_height,
        fill=(0, 0, 0, 200), stroke=max(2, size // 20),
    )  # fmt: skip
    image = shadow.filter(ImageFilter.GaussianBlur(radius=max(2, size // 12)))
    _draw_lines(
        ImageDraw.Draw(image), lines, font, box_w / 2, pad, line_height, stroke=max(1, size // 30)
    )
    top = max(height * 0.12, height * SAFE_MARGIN)
    return Overlay(image, _even((width - box_w) / 2), _even(top))


def draw_card(text: str, sub: str, width: int, height: int) -> Overlay | None:
    """Full-frame card: the picture dimmed behind a centred headline and an optional sub line."""
    short = min(width, height)
    head_size, sub_size = round(0.08 * short), round(0.042 * short)
    head_font, sub_font = font_for(text, head_size), font_for(sub, sub_size)
    max_width = width * (1 - 2 * SAFE_MARGIN)
    head = wrap_text(text, head_font, max_width)
    subs = wrap_text(sub, sub_font, max_width, max_lines=2)
    if not head and not subs:
        return None
    head_line, sub_line = _leading(text, head_size, 1.2), _leading(sub, sub_size, 1.3)
    gap = round(0.6 * sub_size) if head and subs else 0
    block = len(head) * head_line + gap + len(subs) * sub_line
    top = (height - block) / 2
    image = Image.new("RGBA", (width, height), (0, 0, 0, 150))
    draw = ImageDraw.Draw(image)
    _draw_lines(draw, head, head_font, width / 2, top, head_line, stroke=max(1, head_size // 30))
    sub_top = top + len(head) * head_line + gap
    _draw_lines(draw, subs, sub_font, width / 2, sub_top, sub_line, fill=(225, 225, 225, 255))
    return Overlay(image, 0, 0)


Drawer = Callable[[str, str, int, int], Overlay | None]
DRAWERS: dict[str, Drawer] = {
    "caption": lambda text, _sub, width, height: draw_caption(text, width, height),
    "title": lambda text, _sub, width, height: draw_title(text, width, height),
    "card": draw_card,
}


def draw_text(role: str, text: str, sub: str, width: int, height: int) -> Overlay | None:
    """Draw a text segment by role (unknown roles read as captions); None when there is no text."""
    return DRAWERS.get(role, DRAWERS["caption"])(text, sub, width, height)
