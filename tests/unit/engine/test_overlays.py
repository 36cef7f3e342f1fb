"""Text overlays: wrapping, cutting, safe margins, readability and glyphs the font lacks."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops, ImageFont

from engine.render.overlays import (
    ELLIPSIS,
    MAX_LINES,
    Overlay,
    clean_text,
    draw_text,
    font_for,
    right_to_left,
    wrap_text,
)

CANVASES = [(1920, 1080), (1080, 1920), (1080, 1080)]
ROLES = ["title", "caption", "card"]
LONG = (
    "An AI image is made by a model that learned from millions of pictures, and it predicts "
    "every pixel from noise, step by step, until a picture appears that nobody ever took with "
    "a camera, which is why it can show places and people that never existed anywhere at all."
)


def _font(size: int = 48) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _drawn(role: str, text: str, width: int, height: int, sub: str = "") -> Overlay:
    overlay = draw_text(role, text, sub, width, height)
    assert overlay is not None
    return overlay


def test_long_text_is_wrapped_to_three_lines_and_cut_at_a_word_with_an_ellipsis() -> None:
    font = _font()
    lines = wrap_text(LONG, font, 700)

    assert len(lines) == MAX_LINES
    assert all(font.getlength(line) <= 700 for line in lines)
    assert lines[-1].endswith(ELLIPSIS)
    shown = " ".join(lines)[: -len(ELLIPSIS)].split(" ")
    original = LONG.split(" ")
    assert shown[:-1] == original[: len(shown) - 1]
    # The last word shown is whole (at most its trailing punctuation dropped).
    assert original[len(shown) - 1].rstrip(",.") == shown[-1]


def test_short_text_stays_whole() -> None:
    assert wrap_text("Urban  Dreams\n", _font(), 700) == ["Urban Dreams"]


def test_a_word_wider_than_the_line_is_broken_not_overflowed() -> None:
    font = _font()
    lines = wrap_text("Pneumonoultramicroscopicsilicovolcanoconiosis " * 2, font, 300)

    assert 1 < len(lines) <= MAX_LINES
    assert all(font.getlength(line) <= 300 for line in lines)


def test_control_characters_and_newlines_become_single_spaces() -> None:
    assert clean_text("a\nb\t\x00c\u200bd  ") == "a b c d"


@pytest.mark.parametrize(("width", "height"), CANVASES)
@pytest.mark.parametrize("role", ROLES)
def test_text_stays_inside_the_safe_margins(role: str, width: int, height: int) -> None:
    overlay = _drawn(role, LONG, width, height, sub=LONG)
    if role == "card":  # full frame: the text itself (opaque, unlike the dimming) must stay in
        assert overlay.image.size == (width, height)
        alpha = overlay.image.getchannel("A").point(lambda value: 255 if value > 200 else 0)
        left, top, right, bottom = alpha.getbbox() or (0, 0, 0, 0)
    else:
        left, top = overlay.x, overlay.y
        right, bottom = left + overlay.image.width, top + overlay.image.height
    assert right > left and bottom > top
    assert left >= 0.05 * width and right <= 0.95 * width
    assert top >= 0.05 * height and bottom <= 0.95 * height
    assert overlay.x % 2 == 0 and overlay.y % 2 == 0


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("background", ["white", "black"])
def test_text_reads_on_any_picture(role: str, background: str) -> None:
    """Over a white or a black picture the text area holds near-white and dark pixels (luma
    >= 230 against <= 100 is a contrast above 4.5:1)."""
    overlay = _drawn(role, "Readable everywhere", 1920, 1080)
    picture = Image.new("RGBA", (1920, 1080), background)
    picture.alpha_composite(overlay.image, (overlay.x, overlay.y))
    area = picture.convert("L").crop(
        (overlay.x, overlay.y, overlay.x + overlay.image.width, overlay.y + overlay.image.height)
    )
    histogram = area.histogram()
    light, dark = sum(histogram[230:]), sum(histogram[:101])
    assert light > 2000 and dark > 2000


@pytest.mark.parametrize("role", ROLES)
def test_characters_the_font_lacks_do_not_crash(role: str) -> None:
    overlay = _drawn(role, "城市之梦 — Urban Dreams 🙂 \U0010fffd", 1080, 1920, sub="中文副标题")
    assert overlay.image.getchannel("A").getbbox() is not None


@pytest.mark.parametrize("role", ROLES)
def test_blank_text_draws_nothing(role: str) -> None:
    assert draw_text(role, " \n\t", "", 1920, 1080) is None


ARABIC_TITLE = "غروب الشمس فوق دبي 2026"


def test_arabic_is_drawn_with_glyphs_not_boxes() -> None:
    font = font_for(ARABIC_TITLE, 64)
    nowhere = bytes(font.getmask("\U0010fffd"))
    letters = {char for char in ARABIC_TITLE + "Stable Diffusion" if not char.isspace()}
    assert [char for char in letters if bytes(font.getmask(char)) == nowhere] == []


def test_arabic_letters_are_joined() -> None:
    """Shaped, each letter takes its joined form: the word is narrower than its letters drawn
    apart (a zero-width non-joiner between each stops the joining)."""
    joined = _drawn("title", "عنوان", 1920, 1080).image.width
    apart = _drawn("title", "\u200c".join("عنوان"), 1920, 1080).image.width
    assert joined < apart * 0.8


@pytest.mark.parametrize("role", ROLES)
def test_a_right_to_left_line_reads_right_to_left(role: str) -> None:
    """ "عنوان Stable" runs right to left: the Arabic word at the right, the Latin one left of
    it, which is exactly where "Stable عنوان", running left to right, puts them."""
    rtl = _drawn(role, "عنوان Stable", 1920, 1080).image
    ltr = _drawn(role, "Stable عنوان", 1920, 1080).image
    assert rtl.size == ltr.size
    assert ImageChops.difference(rtl, ltr).getbbox() is None


def test_a_paragraphs_direction_is_its_first_strong_characters() -> None:
    assert right_to_left("2026: غروب Stable")
    assert not right_to_left("Stable غروب")
    assert not right_to_left("2026")


def brightest(band: Image.Image) -> float:
    _, high = band.getextrema()
    assert isinstance(high, int | float)
    return high


def test_arabic_is_not_cut_at_the_edges_of_its_box() -> None:
    """Arabic reaches higher (its marks) and lower than Latin: its lines are spaced for it, so
    no letter touches the edge of the caption's box or of the title's picture."""
    deep = "غروب جميل يظهر فوق البحر والمدينة في المساء " * 3
    caption = _drawn("caption", deep, 1920, 1080).image.convert("L")
    for edge in ((0, 0, caption.width, 2), (0, caption.height - 2, caption.width, caption.height)):
        assert brightest(caption.crop(edge)) < 128  # the box's dark fill, no white letter
    title = _drawn("title", deep, 1920, 1080).image.getchannel("A")
    bottom = title.crop((0, title.height - 2, title.width, title.height))
    assert brightest(bottom) < 128
