"""The languages the bot speaks, and how a platform's language tag becomes one of them.

A language is named by its primary subtag ("pt", "zh"); its catalog and the backend session
use the regional form where one is meant (Brazilian Portuguese, Simplified Chinese)."""

from __future__ import annotations

import unicodedata
from functools import cache

from babel import Locale

# English first: it is the source every catalog translates, and the fallback.
LANGUAGES: tuple[str, ...] = (
    "en", "zh", "es", "pt", "ru", "fr", "de", "ja", "ko", "hi", "ar", "id", "tr", "vi", "it",
)  # fmt: skip
_REGIONAL = {"zh": "zh_Hans", "pt": "pt_BR"}  # catalog folders, in Babel's (CLDR) names
_SESSION = {"zh": "zh-CN", "pt": "pt-BR"}  # what the backend session is created with
_ALIASES = {"in": "id", "cmn": "zh", "zho": "zh", "chi": "zh"}  # old or 3-letter tags


def primary_subtag(tag: str | None) -> str:
    """ "pt-BR", "pt_br", "PT" -> "pt"; "" for no tag."""
    primary = (tag or "").strip().replace("_", "-").split("-")[0].lower()
    return _ALIASES.get(primary, primary)


def language_of(tag: str | None, default: str = "en") -> str:
    """The reply language for a platform's language tag (Telegram's `language_code`, Discord's
    `locale`): one the bot speaks, else `default`'s, else English."""
    for candidate in (tag, default):
        primary = primary_subtag(candidate)
        if primary in LANGUAGES:
            return primary
    return "en"


def find_language(word: str) -> str | None:
    """The language a person means by `word`: a code or tag ("es", "pt-BR") or a name, in
    English or in itself ("Spanish", "español", "中文"); None for none the bot speaks."""
    wanted = word.strip().lower()
    primary = primary_subtag(wanted)
    if primary in LANGUAGES:
        return primary
    return _names().get(wanted)


@cache
def _names() -> dict[str, str]:
    names = {}
    for code in LANGUAGES:
        for in_language in (code, "en"):
            names[language_name(code, in_language).lower()] = code
    return names


def backend_language(tag: str | None, default: str = "en") -> str:
    """The ISO code a backend session is created with: the regional form for Chinese and
    Portuguese, else the primary subtag; a tag the bot has no catalog for still passes (the
    backend may speak it)."""
    primary = primary_subtag(tag) or primary_subtag(default) or "en"
    if primary in _SESSION:
        return _SESSION[primary]
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else "en"


def catalog_folder(language: str) -> str:
    return _REGIONAL.get(language, language)


@cache
def locale(language: str) -> Locale:
    return Locale.parse(catalog_folder(language if language in LANGUAGES else "en"))


def is_rtl(language: str) -> bool:
    return locale(language).text_direction == "rtl"


def writes_right_to_left(text: str) -> bool:
    """Whether `text` runs right to left: its first strong character does (Unicode's rule for
    a paragraph's direction, which chat clients apply)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


@cache
def language_name(language: str, in_language: str | None = None) -> str:
    """The language's name, in `in_language` or else in itself ("español", "中文")."""
    # The language alone: CLDR's display name adds the script of Chinese ("中文（简体）").
    return locale(language).get_language_name(locale(in_language or language)) or language


def language_choices() -> str:
    """Every code with its own name: "en English, zh 中文, es español, ..."."""
    return ", ".join(f"{code} {language_name(code)}" for code in LANGUAGES)
