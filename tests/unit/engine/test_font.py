"""The engine's font draws every text a video can show, in English and Chinese: no character of
a caption template comes out as the empty box. A failure names the characters to add
(`engine/render/fonts/make_font.py` rebuilds the font with them)."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest
from PIL import ImageFont

from engine.agent import phrases
from engine.agent.phrases import COLOUR_ZH
from engine.render.overlays import FONT_FILE, draw_caption, draw_card, draw_title

ROOT = Path(__file__).resolve().parents[3]
# Where the texts a video shows come from: captions, cards, titles, the provenance lines.
VIDEO_TEXTS = [
    "engine/agent/phrases.py",
    "engine/agent/explainer.py",
    "engine/agent/rules.py",
    "engine/agent/provenance_hint.py",
]
BLOCK_END = "\u9fff"
NOWHERE = "\U0010fffd"  # a private code point no font has: what the empty box looks like


@functools.cache
def font() -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILE), 48)


def drawn(char: str) -> bytes:
    mask = font().getmask(char)
    return bytes(mask)


def lacks(char: str) -> bool:
    return not char.isspace() and drawn(char) == drawn(NOWHERE)


def strings_in(source: str) -> list[str]:
    """The string constants of a module, but the bounds of a character range (one CJK block's
    last code point), which are never shown."""
    tree = ast.parse((ROOT / source).read_text(encoding="utf-8"))
    found = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    return [text for text in found if isinstance(text, str) and BLOCK_END not in text]


def test_the_check_itself_tells_a_missing_glyph() -> None:
    assert lacks("\U0001f600"), "an emoji is not in the font: the check must see the box"
    assert not lacks("图") and not lacks("A")


@pytest.mark.parametrize("source", VIDEO_TEXTS)
def test_every_character_of_the_video_texts_has_a_glyph(source: str) -> None:
    missing = sorted({char for text in strings_in(source) for char in text if lacks(char)})
    # Emoji and symbols meant for chat, not for a video, would show here: none is used.
    assert not missing, f"{source}: no glyph for {missing!r}"


@pytest.mark.parametrize("chinese", [False, True], ids=["en", "zh"])
def test_every_phrase_draws_as_a_caption_title_and_card(chinese: bool) -> None:
    values = {
        "width": 1024,
        "height": 768,
        "orientation": phrases.say("landscape", chinese),
        "colours": phrases.colour_words(list(COLOUR_ZH)[:3], chinese),
        "seconds": 15,
        "name": "dusk.jpg",
    }
    for key in phrases._TEXT:
        try:
            text = phrases.say(key, chinese, **values)
        except KeyError:
            continue
        assert not [char for char in text if lacks(char)], (key, text)
        for size in ((1920, 1080), (1080, 1920), (1080, 1080)):
            assert draw_caption(text, *size) is not None
            assert draw_title(text, *size) is not None
            assert draw_card(text, text, *size) is not None
