"""Naming the colours of a picture, for the caption that describes it."""

from __future__ import annotations

import pytest
from PIL import Image

from engine.agent.phrases import colour_words
from engine.state.inspection import colour_name, dominant_colours


@pytest.mark.parametrize(
    ("rgb", "name"),
    [
        ((0, 0, 0), "black"),
        ((255, 255, 255), "white"),
        ((128, 128, 128), "grey"),
        ((220, 30, 30), "red"),
        ((240, 140, 20), "orange"),
        ((30, 160, 60), "green"),
        ((20, 60, 200), "blue"),
        ((10, 20, 90), "dark blue"),
        ((150, 190, 240), "light blue"),
        ((230, 80, 170), "pink"),
    ],
)
def test_colour_names(rgb: tuple[int, int, int], name: str) -> None:
    assert colour_name(*rgb) == name


def test_dominant_colours_most_common_first() -> None:
    image = Image.new("RGB", (100, 100), (20, 60, 200))
    image.paste((240, 140, 20), (0, 0, 100, 30))

    assert dominant_colours(image) == ["blue", "orange"]


def test_colour_words_in_both_languages() -> None:
    assert colour_words(["dark blue", "orange", "white"], chinese=False) == (
        "dark blue, orange and white"
    )
    assert colour_words(["dark blue", "orange"], chinese=True) == "深蓝色和橙色"
