"""The verdicts a C2PA manifest store gets, from the c2pa library's JSON report of it (the
shape `Reader.json()` gives: manifests by label, the active one, validation results)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.provenance.c2pa_manifest import manifest_finding
from core.provenance.card import provenance_card
from core.provenance.finding import Finding
from core.provenance.trust_anchors import trust_anchors

AI = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


def store(*failures: str, state: str = "Invalid", agent: object = None) -> dict[str, Any]:
    action: dict[str, Any] = {"action": "c2pa.created", "digitalSourceType": AI}
    if agent is not None:
        action["softwareAgent"] = agent
    return {
        "active_manifest": "urn:c2pa:one",
        "manifests": {
            "urn:c2pa:one": {
                "claim_generator_info": [{"name": "ChatGPT", "version": None}],
                "signature_info": {"issuer": "OpenAI", "common_name": "Truepic Lens CLI"},
                "assertions": [{"label": "c2pa.actions.v2", "data": {"actions": [action]}}],
            }
        },
        "validation_state": state,
        "validation_results": {
            "activeManifest": {
                "failure": [{"code": code, "explanation": f"{code} happened"} for code in failures]
            }
        },
    }


def card(report: dict[str, Any]) -> str:
    finding = manifest_finding(report)
    return provenance_card(Finding(kind="ai", c2pa=finding, sources=("c2pa",)), "en")


@pytest.mark.parametrize(
    ("failures", "status", "says"),
    [
        ((), "trusted", "content intact, signer verified"),
        (
            ("signingCredential.untrusted", "timeStamp.untrusted"),
            "untrusted",
            "content intact, but the signer is not on a trust list",
        ),
        (
            ("signingCredential.expired",),
            "rejected",
            "content intact, but the signer's certificate is not accepted (it has expired)",
        ),
        (
            ("signingCredential.untrusted", "signingCredential.revoked"),
            "rejected",
            "not accepted (it was revoked)",
        ),
        (
            ("signingCredential.untrusted", "assertion.dataHash.mismatch"),
            "invalid",
            "the picture or its record was altered after signing",
        ),
    ],
    ids=["trusted", "untrusted", "expired", "revoked", "altered"],
)
def test_each_verdict_in_plain_words(failures: tuple[str, ...], status: str, says: str) -> None:
    report = store(*failures, state="Trusted" if not failures else "Invalid")

    assert manifest_finding(report).status == status
    assert says in card(report)


def test_an_altered_file_is_never_called_intact() -> None:
    report = store("assertion.dataHash.mismatch", "signingCredential.expired")
    assert manifest_finding(report).status == "invalid" and "intact" not in card(report)


@pytest.mark.parametrize(
    ("agent", "shown"),
    [
        ({"name": "GPT-4o"}, "GPT-4o"),
        ("gpt-image-1", "gpt-image-1"),
        ("3f2b6c1e-8d4a-4c6b-9a57-0e1d2c3b4a59", None),  # an id is not a name
        ({"name": {"nested": "json"}}, None),
    ],
)
def test_the_software_agent_is_named_only_when_it_is_a_name(agent: object, shown: str) -> None:
    assert manifest_finding(store(state="Trusted", agent=agent)).software_agent == shown


def test_trust_anchors_come_from_the_setting(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pem = tmp_path / "anchors.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    assert trust_anchors(str(pem)) == pem.read_text()
    assert trust_anchors("none") is None
    assert trust_anchors(str(tmp_path / "missing.pem")) is None
    assert "C2PA_TRUST_ANCHORS names no readable PEM file" in caplog.text
