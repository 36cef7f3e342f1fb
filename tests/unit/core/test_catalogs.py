"""The catalogs: every text the code declares is in the template and translated in every
language, with the English placeholders, and the compiled catalogs are the edited ones. A
failure names the language and the key; `make i18n` brings the template and the .po files up to
date and compiles them, and a translator fills in what is missing or marked fuzzy."""

from __future__ import annotations

import io
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_keywords
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from bots.discord.translator import NAME_LIMIT, TEXT_LIMIT, valid_name
from core.languages import LANGUAGES, catalog_folder
from core.texts import DOMAIN, LOCALE_DIR

ROOT = Path(__file__).resolve().parents[3]
KEYWORDS = parse_keywords(["msg:1c,2", "localized:1c,2"])  # as `make i18n` extracts them
TRANSLATED = [language for language in LANGUAGES if language != "en"]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def template() -> Catalog:
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("rb") as pot:
        return read_po(pot)


def catalog(language: str) -> Catalog:
    with (LOCALE_DIR / catalog_folder(language) / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        return read_po(po)


def problems(source: Catalog, translated: Catalog) -> list[str]:
    """What a translator must mend: a message missing, empty or fuzzy, or whose placeholders
    differ from the English ones."""
    found = []
    for message in source:
        if not message.id:
            continue
        key = message.context
        entry = translated.get(message.id, context=key)
        if entry is None or not entry.string:
            found.append(f"{key}: missing")
        elif entry.fuzzy:
            found.append(f"{key}: fuzzy (the English changed: confirm the translation)")
        elif placeholders(str(entry.string)) != placeholders(str(message.id)):
            found.append(f"{key}: placeholders {placeholders(str(entry.string))}")
    return found


def test_the_template_holds_every_text_the_code_declares() -> None:
    declared = {
        (context, message)
        for folder in ("core", "bots")
        for _, _, message, _, context in extract_from_dir(
            ROOT / folder, [("**.py", "python")], keywords=KEYWORDS
        )
    }
    listed = {(message.context, message.id) for message in template() if message.id}
    assert declared - listed == set(), "run `make i18n`: the template lacks these"
    assert listed - declared == set(), "run `make i18n`: the template has texts no code says"


def test_every_language_has_a_catalog_and_every_catalog_a_language() -> None:
    folders = {path.parent.parent.name for path in LOCALE_DIR.glob("*/LC_MESSAGES/*.po")}
    assert folders == {catalog_folder(language) for language in TRANSLATED}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_with_the_english_placeholders(language: str) -> None:
    assert problems(template(), catalog(language)) == []
    assert not catalog(language).fuzzy


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalog_is_the_edited_one(language: str) -> None:
    folder = LOCALE_DIR / catalog_folder(language) / "LC_MESSAGES"
    with (folder / f"{DOMAIN}.mo").open("rb") as compiled:
        shipped = {(m.context, m.id): m.string for m in read_mo(compiled) if m.id}
    fresh = io.BytesIO()
    write_mo(fresh, catalog(language))
    fresh.seek(0)
    edited = {(m.context, m.id): m.string for m in read_mo(fresh) if m.id}
    assert shipped == edited, "run `make i18n` to compile the catalogs"


@pytest.mark.parametrize("language", TRANSLATED)
def test_discord_accepts_every_translated_command_name(language: str) -> None:
    for message in catalog(language):
        key, said = message.context or "", str(message.string)
        if not key.startswith("discord.") or not said:
            continue
        if key == "discord.explain_message":  # a context menu: spaces allowed
            assert len(said) <= NAME_LIMIT, key
        elif key.count(".") == 1 or key.startswith("discord.option."):
            assert valid_name(said), (key, said)
        else:
            assert len(said) <= TEXT_LIMIT, (key, said)


def test_a_missing_message_or_a_changed_placeholder_is_caught() -> None:
    source = Catalog()
    source.add("Uploading {name}…", context="stage.uploading")
    source.add("Done.", context="stage.done")
    source.add("Left: {count}", context="stage.left")
    translated = Catalog(locale="es")
    translated.add("Uploading {name}…", "Subiendo {nombre}…", context="stage.uploading")
    translated.add("Left: {count}", "Quedan: {count}", context="stage.left", flags=["fuzzy"])
    assert problems(source, translated) == [
        "stage.uploading: placeholders {'nombre'}",
        "stage.done: missing",
        "stage.left: fuzzy (the English changed: confirm the translation)",
    ]
