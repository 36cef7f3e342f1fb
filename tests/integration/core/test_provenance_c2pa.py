"""C2PA manifests signed here with the c2pa library and a throwaway certificate chain (a CA and an
ES256 end-entity certificate made with `cryptography`), then read back by `read_provenance`."""

from __future__ import annotations

import datetime
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import c2pa  # type: ignore[import-untyped]
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image, PngImagePlugin

from core.provenance import ProvenanceReader, agent_hint, provenance_card, read_provenance

DST = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


@dataclass(frozen=True)
class SigningChain:
    chain_pem: bytes  # the end-entity certificate, then its CA
    key_pem: bytes
    ca_pem: str


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )


def _usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signing,
        crl_sign=not signing,
        encipher_only=False,
        decipher_only=False,
    )


@pytest.fixture(scope="module")
def chain() -> SigningChain:
    """c2pa signs only with an end-entity certificate issued by a CA (not self-signed), with
    digitalSignature usage and an allowed extended key usage (emailProtection here)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Clipbridge Test Root", "Clipbridge Test CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(signing=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("clipbridge test signer", "Clipbridge Tests"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(signing=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return SigningChain(
        chain_pem=leaf.public_bytes(pem) + ca.public_bytes(pem),
        key_pem=key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        ca_pem=ca.public_bytes(pem).decode(),
    )


def signed_image(path: Path, chain: SigningChain, mime: str, pnginfo: object = None) -> Path:
    source = io.BytesIO()
    image = Image.new("RGB", (48, 32), "orange")
    if mime == "image/png":
        image.save(source, "PNG", pnginfo=pnginfo)
    else:
        image.save(source, "JPEG")
    source.seek(0)
    manifest = {
        "claim_generator_info": [{"name": "clipbridge-test", "version": "1.0"}],
        "title": path.name,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": DST}]},
            }
        ],
    }
    info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain.chain_pem, chain.key_pem, None)
    signed = io.BytesIO()
    with c2pa.Signer.from_info(info) as signer, c2pa.Builder(json.dumps(manifest)) as builder:
        builder.sign(signer, mime, source, signed)
    path.write_bytes(signed.getvalue())
    return path


@pytest.mark.parametrize(("name", "mime"), [("s.png", "image/png"), ("s.jpg", "image/jpeg")])
def test_a_test_signature_is_read_but_not_called_valid(
    tmp_path: Path, chain: SigningChain, name: str, mime: str
) -> None:
    finding = read_provenance(signed_image(tmp_path / name, chain, mime))
    assert finding.c2pa is not None
    assert finding.c2pa.claim_generator == "clipbridge-test 1.0"
    assert finding.c2pa.signer == "Clipbridge Tests"
    assert finding.c2pa.signer_common_name == "clipbridge test signer"
    assert finding.c2pa.validated is not True and finding.c2pa.status == "untrusted"
    assert "untrusted signer" in (finding.c2pa.validation_note or "")
    assert (finding.kind, finding.digital_source_type) == ("ai", "trainedAlgorithmicMedia")
    assert "c2pa" in finding.sources and (finding.width, finding.height) == (48, 32)
    assert "not verified" in provenance_card(finding, "en")
    assert "signed by Clipbridge Tests" in agent_hint(finding)


def test_the_same_signature_is_valid_against_its_own_trust_anchor(
    tmp_path: Path, chain: SigningChain
) -> None:
    path = signed_image(tmp_path / "t.png", chain, "image/png")
    finding = read_provenance(path, trust_anchors_pem=chain.ca_pem)
    assert finding.c2pa is not None
    assert (finding.c2pa.validated, finding.c2pa.status) == (True, "trusted")
    assert "signer verified" in provenance_card(finding, "en")


def test_changed_pixels_fail_validation(tmp_path: Path, chain: SigningChain) -> None:
    path = signed_image(tmp_path / "c.png", chain, "image/png")
    data = bytearray(path.read_bytes())
    data[data.index(b"IDAT") + 12] ^= 0xFF
    path.write_bytes(bytes(data))
    finding = read_provenance(path, trust_anchors_pem=chain.ca_pem)
    assert finding.c2pa is not None
    assert (finding.c2pa.validated, finding.c2pa.status) == (False, "invalid")
    assert "changed after signing" in (finding.c2pa.validation_note or "")


def test_a_signed_a1111_image_gives_both_records(tmp_path: Path, chain: SigningChain) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text(
        "parameters", "a quiet harbour\nSteps: 20, Sampler: Euler a, Seed: 7, Size: 48x32"
    )
    finding = read_provenance(signed_image(tmp_path / "b.png", chain, "image/png", info))
    assert finding.sources == ("png:parameters", "c2pa")
    assert (finding.prompt, finding.seed, finding.generator) == (
        "a quiet harbour",
        "7",
        "Automatic1111",
    )


def test_without_the_library_the_manifest_is_reported_unread(
    tmp_path: Path, chain: SigningChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = signed_image(tmp_path / "m.png", chain, "image/png")
    monkeypatch.setitem(sys.modules, "c2pa", None)  # what an environment without it sees
    finding = read_provenance(path)
    assert finding.c2pa is not None and finding.c2pa.validated is None
    assert finding.c2pa.validation_note == "the c2pa library is not installed"
    assert "could not be verified" in provenance_card(finding, "en")


def test_a_damaged_manifest_store_is_reported_not_raised(
    tmp_path: Path, chain: SigningChain
) -> None:
    path = signed_image(tmp_path / "d.png", chain, "image/png")
    data = bytearray(path.read_bytes())
    at = data.index(b"caBX")
    data[at + 40 : at + 400] = b"\0" * 360
    path.write_bytes(bytes(data))
    finding = read_provenance(path)
    assert finding.c2pa is not None and finding.c2pa.validated is not True
    assert finding.c2pa.validation_note


def test_past_the_verify_size_the_manifest_is_read_but_not_verified(
    tmp_path: Path, chain: SigningChain
) -> None:
    path = signed_image(tmp_path / "v.png", chain, "image/png")
    reader = ProvenanceReader(trust_anchors_pem=chain.ca_pem, c2pa_verify_max_bytes=1024)
    finding = reader.read(path)
    assert finding.c2pa is not None and finding.c2pa.claim_generator == "clipbridge-test 1.0"
    assert (finding.c2pa.validated, finding.c2pa.status) == (None, "unverified")
    assert "larger than" in (finding.c2pa.validation_note or "")


PARENT = "parent-ingredient"  # how an action names the ingredient it opened


def sign(
    path: Path,
    chain: SigningChain,
    actions: list[dict[str, object]],
    parent: Path | None = None,
    generator: str = "clipbridge-test",
) -> Path:
    """A PNG signed with `actions`; with `parent`, that signed file as its parent ingredient."""
    source = io.BytesIO()
    Image.new("RGB", (48, 32), "teal").save(source, "PNG")
    source.seek(0)
    manifest = {
        "claim_generator_info": [{"name": generator, "version": "1.0"}],
        "title": path.name,
        "assertions": [{"label": "c2pa.actions", "data": {"actions": actions}}],
    }
    info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain.chain_pem, chain.key_pem, None)
    signed = io.BytesIO()
    with c2pa.Signer.from_info(info) as signer, c2pa.Builder(json.dumps(manifest)) as builder:
        if parent is not None:
            ingredient = {"title": parent.name, "relationship": "parentOf", "label": PARENT}
            with parent.open("rb") as stream:
                builder.add_ingredient(json.dumps(ingredient), "image/png", stream)
        builder.sign(signer, "image/png", source, signed)
    path.write_bytes(signed.getvalue())
    return path


def test_an_edit_over_an_ai_image_reports_how_the_image_was_made(
    tmp_path: Path, chain: SigningChain
) -> None:
    """The active manifest only edited the picture (as a watermarking service does); its parent
    ingredient's manifest says a trained model made it (with GPT-4o): the finding says that, and
    that it was then edited."""
    made = sign(
        tmp_path / "made.png",
        chain,
        [{"action": "c2pa.created", "digitalSourceType": DST, "softwareAgent": {"name": "GPT-4o"}}],
        generator="ChatGPT",
    )
    composite = "http://cv.iptc.org/newscodes/digitalsourcetype/composite"
    marked = sign(
        tmp_path / "marked.png",
        chain,
        [
            {"action": "c2pa.opened", "parameters": {"ingredientIds": [PARENT]}},
            {"action": "c2pa.edited", "digitalSourceType": composite},
        ],
        parent=made,
        generator="Watermarker",
    )

    finding = read_provenance(marked, trust_anchors_pem=chain.ca_pem)

    assert finding.c2pa is not None
    assert (finding.kind, finding.digital_source_type) == ("ai", "trainedAlgorithmicMedia")
    assert (finding.c2pa.software_agent, finding.c2pa.edited_last) == ("GPT-4o", "edited")
    card = provenance_card(finding, "en")
    assert "made by a generative AI model" in card
    assert "made with Watermarker 1.0; by GPT-4o; then edited" in card
    assert "composite" not in card


def test_the_verdicts_people_need_are_told_apart(tmp_path: Path, chain: SigningChain) -> None:
    path = signed_image(tmp_path / "v.png", chain, "image/png")

    untrusted = provenance_card(read_provenance(path), "en")
    trusted = provenance_card(read_provenance(path, trust_anchors_pem=chain.ca_pem), "en")
    data = bytearray(path.read_bytes())
    data[data.index(b"IDAT") + 12] ^= 0xFF
    path.write_bytes(bytes(data))
    altered = provenance_card(read_provenance(path, trust_anchors_pem=chain.ca_pem), "en")

    assert "content intact, but the signer is not on a trust list" in untrusted
    assert "content intact, signer verified" in trusted
    assert "altered after signing" in altered and "intact" not in altered
