"""Languages: a platform's tag becomes one the bot speaks, a person may name one in their own
words, numbers read the language's way, and right-to-left replies keep their direction."""

from __future__ import annotations

import unicodedata

import pytest

from core.languages import (
    LANGUAGES,
    backend_language,
    find_language,
    is_rtl,
    language_of,
)
from core.texts import human_duration, human_size, text

FSI, PDI = "\u2068", "\u2069"


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("en-GB", "en"), ("zh-hans", "zh"), ("zh-TW", "zh"), ("pt-br", "pt"), ("pt", "pt"),
        ("es-419", "es"), ("ES", "es"), ("in", "id"), ("ar", "ar"), ("hi", "hi"), ("ja", "ja"),
        ("pl", "en"), ("", "en"), (None, "en"),
    ],
)  # fmt: skip
def test_a_platform_tag_becomes_a_language_the_bot_speaks(tag: str | None, language: str) -> None:
    assert language_of(tag) == language


def test_an_unknown_tag_falls_back_to_the_configured_default() -> None:
    assert language_of("pl", "de") == "de"
    assert language_of("pl", "xx") == "en"


@pytest.mark.parametrize(
    ("word", "language"),
    [("es", "es"), ("pt-BR", "pt"), ("Spanish", "es"), ("español", "es"), ("中文", "zh"),
     ("Japanese", "ja"), ("العربية", "ar"), ("klingon", None), ("", None)],
)  # fmt: skip
def test_a_person_may_name_a_language_by_code_or_by_name(word: str, language: str | None) -> None:
    assert find_language(word) == language


def test_the_backend_session_is_created_in_the_regional_form_where_one_is_meant() -> None:
    assert backend_language("zh") == "zh-CN"
    assert backend_language("pt") == "pt-BR"
    assert backend_language("ar") == "ar"
    assert backend_language("pl-PL") == "pl"  # the backend may speak what the bot does not


def test_only_arabic_runs_right_to_left() -> None:
    assert [language for language in LANGUAGES if is_rtl(language)] == ["ar"]


def test_an_unknown_language_gets_english() -> None:
    assert text("stage.done", "xx") == text("stage.done", "en") == "✅ Done."


@pytest.mark.parametrize(
    ("language", "duration", "size"),
    [
        ("en", "1m 5s", "1.5 MB"),
        ("zh", "1分钟5秒", "1.5 MB"),
        ("de", "1 Min. 5 Sek.", "1,5 MB"),
        ("ar", "1 د 5 ث", "1.5 MB"),
    ],
)
def test_durations_and_sizes_read_the_languages_way(
    language: str, duration: str, size: str
) -> None:
    assert human_duration(65, language) == duration
    assert human_size(3 << 19, language) == size


def paragraph_direction(line: str) -> str:
    """Unicode's rule (UAX #9, P2-P3): the first strong character outside an isolate."""
    depth = 0
    for char in line:
        if char == FSI:
            depth += 1
        elif char == PDI:
            depth = max(0, depth - 1)
        elif depth == 0:
            kind = unicodedata.bidirectional(char)
            if kind in ("R", "AL"):
                return "rtl"
            if kind == "L":
                return "ltr"
    return "ltr"


def test_an_arabic_reply_keeps_its_direction_around_latin_values() -> None:
    said = text("stage.uploading", "ar", name="Sunset photo.jpg")
    assert f"{FSI}Sunset photo.jpg{PDI}" in said
    assert paragraph_direction(said) == "rtl"
    # A value in Arabic itself is not isolated: a line may begin with it.
    said = text("punct.sentence", "ar", text="صورة")
    assert FSI not in said and paragraph_direction(said) == "rtl"


def test_values_are_left_alone_in_left_to_right_languages() -> None:
    assert text("stage.uploading", "es", name="foto.jpg") == "📤 Subiendo foto.jpg…"
