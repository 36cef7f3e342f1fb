"""Build `NotoSansSC-Clipbridge.otf`, the one font the engine draws text with, from Noto Sans CJK
(SIL Open Font License 1.1; the license is `OFL.txt` beside the font).

- The Simplified Chinese forms become the default: the source font keeps them behind its
  `locl` feature for the language ZHS, which Pillow does not apply, so the character map is
  pointed at them directly.
- Punctuation shared with English (quotes, dashes, the ellipsis, ×, ·) takes its proportional
  form (`pwid`), not the full-width one, so English text reads as English.
- Kept: every character our video texts use, the 6,763 hanzi of GB 2312, Latin (with Latin-1
  and Extended-A/B), Greek, Cyrillic, general and CJK punctuation, arrows, fullwidth forms. What
  a user types outside that (a rare hanzi, an emoji) is drawn as the font's empty box.

Run it again when a text gains a character (tests/unit/engine/test_font.py says which), with
fontTools, which the engine itself does not need:

    uv run --with fonttools python -m engine.render.fonts.make_font NotoSansCJKtc-Regular.otf

`NotoSansArabic-Clipbridge.ttf`, for text with Arabic in it, joins Noto Sans Arabic (the Arabic
blocks and presentation forms, with every layout feature: joining forms and ligatures are the
script) to Noto Sans's Latin, so a title that mixes the two draws both; both fonts are under the
same license and have the same units per em. Pillow shapes and orders it (right to left, with
numbers and Latin left to right) through libraqm, which its wheels carry:

    uv run --with fonttools python -m engine.render.fonts.make_font \\
        --arabic NotoSansArabic-Regular.ttf NotoSans-Regular.ttf
"""

from __future__ import annotations

import ast
import sys
import tempfile
from pathlib import Path
from typing import Any

from fontTools import subset  # type: ignore[import-not-found]
from fontTools.merge import Merger  # type: ignore[import-not-found]
from fontTools.ttLib import TTFont  # type: ignore[import-not-found]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
OUT = HERE / "NotoSansSC-Clipbridge.otf"
ARABIC_OUT = HERE / "NotoSansArabic-Clipbridge.ttf"
ARABIC_RANGES = [
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x08A0, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
]
LATIN_RANGES = [(0x0020, 0x007E), (0x00A0, 0x024F), (0x2010, 0x206F)]
JOINERS = [0x200C, 0x200D, 0x200E, 0x200F]  # zero-width (non-)joiner, direction marks
TEXT_SOURCES = [
    "engine/agent/phrases.py",
    "engine/agent/explainer.py",
    "engine/agent/rules.py",
    "engine/agent/provenance_hint.py",
    "core/texts.py",
    "core/provenance/card.py",
]
PROPORTIONAL = [0x00B7, 0x00D7, 0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026]
RANGES = [
    (0x0020, 0x007E),
    (0x00A0, 0x024F),
    (0x0370, 0x03FF),
    (0x0400, 0x04FF),
    (0x2000, 0x206F),
    (0x2190, 0x21FF),
    (0x2460, 0x24FF),
    (0x25A0, 0x25FF),
    (0x3000, 0x303F),
    (0xFF00, 0xFFEF),
]


def gb2312_hanzi() -> set[str]:
    found = set()
    for first in range(0xB0, 0xF8):
        for second in range(0xA1, 0xFF):
            try:
                found.add(bytes([first, second]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


def text_characters() -> set[str]:
    found: set[str] = set()
    for source in TEXT_SOURCES:
        tree = ast.parse((ROOT / source).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found |= set(node.value)
    return {char for char in found if char.isprintable()}


def simplified_forms(font: Any) -> dict[str, str]:
    """The glyph substitutions of `locl` for Han in Simplified Chinese."""
    table = font["GSUB"].table
    indices: set[int] = set()
    for record in table.ScriptList.ScriptRecord:
        if record.ScriptTag != "hani":
            continue
        for lang in record.Script.LangSysRecord:
            if lang.LangSysTag == "ZHS ":
                for index in lang.LangSys.FeatureIndex:
                    feature = table.FeatureList.FeatureRecord[index]
                    if feature.FeatureTag == "locl":
                        indices |= set(feature.Feature.LookupListIndex)
    return _substitutions(table, indices)


def proportional_forms(font: Any) -> dict[str, str]:
    table = font["GSUB"].table
    indices: set[int] = set()
    for feature in table.FeatureList.FeatureRecord:
        if feature.FeatureTag == "pwid":
            indices |= set(feature.Feature.LookupListIndex)
    return _substitutions(table, indices)


def _substitutions(table: Any, indices: set[int]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for index in sorted(indices):
        for sub in table.LookupList.Lookup[index].SubTable:
            sub = getattr(sub, "ExtSubTable", sub)
            mapping.update(getattr(sub, "mapping", {}))
    return mapping


def build(source: Path) -> None:
    font = TTFont(source)
    forms = simplified_forms(font)
    narrow = proportional_forms(font)
    for cmap in font["cmap"].tables:
        if cmap.isUnicode():
            chosen = {cp: forms.get(glyph, glyph) for cp, glyph in cmap.cmap.items()}
            for cp in PROPORTIONAL:
                if cp in chosen:
                    chosen[cp] = narrow.get(chosen[cp], chosen[cp])
            cmap.cmap = chosen
    keep = text_characters() | gb2312_hanzi()
    for low, high in RANGES:
        keep |= {chr(cp) for cp in range(low, high + 1)}
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.layout_features = ["kern", "palt", "halt", "vkrn", "liga"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(char) for char in keep))
    subsetter.subset(font)
    font.save(OUT)
    print(f"{OUT.name}: {len(font.getBestCmap())} characters, {OUT.stat().st_size >> 10} KiB")


def _subset_all_features(source: Path, ranges: list[tuple[int, int]], extra: list[int]) -> Any:
    font = TTFont(source)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.layout_features = ["*"]
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[cp for low, high in ranges for cp in range(low, high + 1)] + extra)
    subsetter.subset(font)
    return font


def build_arabic(arabic: Path, latin: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        parts = [Path(scratch) / "latin.ttf", Path(scratch) / "arabic.ttf"]
        _subset_all_features(latin, LATIN_RANGES, []).save(parts[0])
        _subset_all_features(arabic, ARABIC_RANGES, JOINERS).save(parts[1])
        font = Merger().merge([str(part) for part in parts])
    font.save(ARABIC_OUT)
    size = ARABIC_OUT.stat().st_size >> 10
    print(f"{ARABIC_OUT.name}: {len(font.getBestCmap())} characters, {size} KiB")


if __name__ == "__main__":
    if sys.argv[1] == "--arabic":
        build_arabic(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        build(Path(sys.argv[1]))
