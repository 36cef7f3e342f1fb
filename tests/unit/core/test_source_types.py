"""The IPTC digital source type vocabulary: always in words, and only a trained model is AI."""

from __future__ import annotations

import pytest

from core.languages import LANGUAGES
from core.provenance import provenance_card
from core.provenance.card import SOURCE_TYPES, agent_hint, source_type_words
from core.provenance.finding import Finding
from core.provenance.reader import _SOURCE_KINDS

# Every code of the IPTC vocabulary a file may carry (cv.iptc.org/newscodes/digitalsourcetype).
VOCABULARY = (
    "trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia", "algorithmicMedia",
    "compositeSynthetic", "dataDrivenMedia", "digitalCapture", "computationalCapture",
    "negativeFilm", "positiveFilm", "print", "screenCapture", "virtualRecording", "humanEdits",
    "minorHumanEdits", "algorithmicallyEnhanced", "composite", "compositeCapture",
    "digitalCreation",
)  # fmt: skip


@pytest.mark.parametrize("code", VOCABULARY)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_code_is_said_in_words_never_shown_raw(code: str, language: str) -> None:
    kind = _SOURCE_KINDS[code]
    card = provenance_card(Finding(kind=kind, digital_source_type=code, sources=("xmp",)), language)
    words = source_type_words(code, language)
    assert words is not None and words in card
    if not code.islower():  # "print" and "composite" are words too; the others are codes
        assert code not in card


def test_a_code_outside_the_vocabulary_is_left_out() -> None:
    finding = Finding(kind="unknown", digital_source_type="madeUpCode", sources=("xmp",))
    assert "madeUpCode" not in provenance_card(finding, "en")
    assert "madeUpCode" not in agent_hint(finding)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("trainedAlgorithmicMedia", "ai"),
        ("compositeWithTrainedAlgorithmicMedia", "ai"),
        ("algorithmicMedia", "edited"),  # a formula, no training data: not "AI-generated"
        ("compositeSynthetic", "edited"),
        ("digitalCapture", "camera"),
    ],
)
def test_only_a_trained_model_makes_an_ai_image(code: str, kind: str) -> None:
    assert _SOURCE_KINDS[code] == kind


def test_the_words_exist_in_every_language() -> None:
    assert set(VOCABULARY) <= set(SOURCE_TYPES)
    for code in VOCABULARY:
        english = source_type_words(code, "en")
        assert english
        for language in LANGUAGES[1:]:
            words = source_type_words(code, language)
            assert words and words != english, (code, language)


def test_an_id_is_never_shown_as_software_or_model() -> None:
    uuid = "3f2b6c1e-8d4a-4c6b-9a57-0e1d2c3b4a59"
    finding = Finding(kind="edited", software=uuid, model=uuid, sources=("exif",))
    card = provenance_card(finding, "en")
    assert uuid not in card and uuid not in agent_hint(finding)
