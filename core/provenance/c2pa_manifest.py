"""A C2PA manifest store read and verified by the c2pa library (c2pa-python): who made the
claim, who signed it, and what the library said about the signature, in plain words.

The library is imported when a file needs it, so a missing or broken install costs only the C2PA
part of a finding. Readers never fetch: no remote manifests, no OCSP. A signer counts as trusted
only against the trust anchors handed in (none by default), and `validated` is True only when
the library itself reports the store "Trusted" with no failure.
"""

from __future__ import annotations

import importlib
import json
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core.provenance.finding import C2paFinding, C2paStatus, clip, is_id
from core.provenance.raw import C2PA_CAP, RawMetadata
from core.provenance.xmp_packet import source_type_code

log = logging.getLogger(__name__)

_NOTE_LIMIT = 300
VERIFY_MAX_BYTES = 48 << 20


@dataclass(frozen=True)
class C2paPolicy:
    """How manifests are checked: the trust anchors (a PEM bundle; none trusts no signer), and
    the largest file whose signature is verified. c2pa-rs 0.91 reads the whole hashed range of a
    PNG into one buffer to verify it (measured: +130 MB of RSS for a 120 MB file), so past this
    size the manifest is read without verification and the finding says so."""

    trust_anchors_pem: str | None = None
    verify_max_bytes: int = VERIFY_MAX_BYTES


def read_c2pa(path: Path, meta: RawMetadata, policy: C2paPolicy) -> C2paFinding | None:
    """The manifest store of the file, or None when it has none (or none the library could
    find in a format the walkers could not check themselves)."""
    if meta.c2pa_mime is None:
        return None
    if meta.c2pa_size > C2PA_CAP:
        return _unread(f"the manifest store is too large to read ({meta.c2pa_size >> 20} MB)")
    try:
        c2pa: Any = importlib.import_module("c2pa")
    except ImportError as exc:
        log.debug("c2pa library unavailable: %s", exc)
        return _unread("the c2pa library is not installed") if meta.c2pa_seen else None
    size = path.stat().st_size
    verify = size <= policy.verify_max_bytes
    settings: dict[str, Any] = {
        "verify": {
            "remote_manifest_fetch": False,
            "ocsp_fetch": False,
            "verify_after_reading": verify,
        }
    }
    if policy.trust_anchors_pem:
        settings["trust"] = {"trust_anchors": policy.trust_anchors_pem}
    try:
        with (
            c2pa.Settings.from_dict(settings) as config,
            c2pa.Context(config) as context,
            path.open("rb") as stream,
        ):
            reader = c2pa.Reader.try_create(meta.c2pa_mime, stream, None, context)
            if reader is None:
                return _unread("the c2pa library found no manifest") if meta.c2pa_seen else None
            with reader:
                store = json.loads(reader.json())
    except Exception as exc:  # the library raises its own and ctypes errors alike
        log.debug("c2pa library failed on %s", path.name, exc_info=True)
        if not meta.c2pa_seen:
            return None
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return _unread(f"the c2pa library could not verify: {reason}"[:_NOTE_LIMIT])
    finding = manifest_finding(store)
    if verify:
        return finding
    # Unverified reads report "Invalid" with no failure: that is no verdict, not a failed one.
    note = (
        f"not verified: the file ({size >> 20} MB) is larger than the "
        f"{policy.verify_max_bytes >> 20} MB this reader verifies"
    )
    return replace(finding, validated=None, status="unverified", validation_note=note)


def manifest_finding(store: object) -> C2paFinding:
    """A C2paFinding from the library's JSON for a manifest store. When the active manifest only
    edited the picture (a watermark, a crop, a conversion), what its ingredients' manifests say
    about the picture's creation is reported (the manifest store holds them all)."""
    if not isinstance(store, dict):
        return _unread("the c2pa library returned no manifest store")
    manifests = store.get("manifests")
    manifests = manifests if isinstance(manifests, dict) else {}
    active = manifests.get(store.get("active_manifest"))
    if not isinstance(active, dict):
        return _unread("the manifest store has no active manifest")
    signature = active.get("signature_info")
    signature = signature if isinstance(signature, dict) else {}
    status, validated, note = _verdict(store)
    created = _creation(manifests, active)
    actions = _actions(active)
    edits = [a for a in actions if a in _EDITS and a != "c2pa.opened"] or actions
    edited = next((a for a in edits if a in _EDITS), None) if created is not active else None
    return C2paFinding(
        claim_generator=_claim_generator(active),
        signer=clip(signature.get("issuer")) or clip(signature.get("common_name")),
        validated=validated,
        validation_note=note,
        status=status,
        signer_common_name=clip(signature.get("common_name")),
        signed_at=clip(signature.get("time")),
        digital_source_type=_source_type(created),
        software_agent=_software_agent(created) or _software_agent(active),
        edited_last=_EDITS.get(edited or ""),
    )


# Actions that change a picture without making it: a manifest with only these says nothing
# about its creation, its parent ingredient's manifest does.
_EDITS = {
    "c2pa.watermarked": "watermarked",
    "c2pa.edited": "edited",
    "c2pa.cropped": "cropped",
    "c2pa.resized": "resized",
    "c2pa.converted": "converted",
    "c2pa.transcoded": "transcoded",
    "c2pa.color_adjustments": "colour-adjusted",
    "c2pa.filtered": "filtered",
    "c2pa.repackaged": "repackaged",
    "c2pa.opened": "opened",
    "c2pa.placed": "edited",
}
_CREATIONS = ("trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia")
_MAX_DEPTH = 8  # parent links followed at most (a store is a chain, never a loop: bounded anyway)


def _creation(manifests: dict[str, Any], active: dict[str, Any]) -> dict[str, Any]:
    """The manifest that says how the picture was made: the nearest along the parent
    ingredients (the active one first) whose actions say a trained model made it; the active
    one when none does."""
    current: dict[str, Any] | None = active
    for _ in range(_MAX_DEPTH):
        if current is None:
            break
        if _source_type(current) in _CREATIONS:
            return current
        current = _parent(manifests, current)
    return active


def _parent(manifests: dict[str, Any], manifest: dict[str, Any]) -> dict[str, Any] | None:
    for ingredient in manifest.get("ingredients") or []:
        if not isinstance(ingredient, dict) or ingredient.get("relationship") != "parentOf":
            continue
        label = ingredient.get("active_manifest") or ingredient.get("manifest")
        found = manifests.get(label) if isinstance(label, str) else None
        if isinstance(found, dict):
            return found
    return None


def _actions(manifest: dict[str, Any]) -> list[str]:
    return [str(action.get("action")) for action in _action_items(manifest)]


def _action_items(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for assertion in manifest.get("assertions") or []:
        if not isinstance(assertion, dict) or not str(assertion.get("label")).startswith(
            "c2pa.actions"
        ):
            continue
        data = assertion.get("data")
        listed = data.get("actions") if isinstance(data, dict) else None
        items += [action for action in listed or [] if isinstance(action, dict)]
    return items


def _software_agent(manifest: dict[str, Any]) -> str | None:
    """The tool an action names: `softwareAgent` is a name (C2PA 1.x) or {"name": ...} (2.x)."""
    for action in _action_items(manifest):
        agent = action.get("softwareAgent")
        name = agent.get("name") if isinstance(agent, dict) else agent
        if isinstance(name, str) and (text := clip(name)) and not is_id(text):
            return text
    return None


def _verdict(store: dict[str, Any]) -> tuple[C2paStatus, bool | None, str | None]:
    state = store.get("validation_state")
    failures = _failures(store)
    codes = {str(item.get("code")) for item in failures}
    altered = {code for code in codes if code.endswith((".mismatch", ".missing"))}
    rejected = {code for code in codes if code in _REJECTED}
    if state == "Trusted" and not failures:
        return "trusted", True, None
    if altered:
        reasons = "; ".join(str(i.get("explanation") or i.get("code")) for i in failures[:3])
        return (
            "invalid",
            False,
            f"the picture or its record changed after signing: {reasons}"[:_NOTE_LIMIT],
        )
    if rejected:
        why = sorted({_REJECTED[code] for code in rejected})
        return (
            "rejected",
            False,
            "the content is intact, but the signer's certificate is not accepted: "
            + ", ".join(why),
        )
    if failures and all(code.endswith(".untrusted") for code in codes):
        return (
            "untrusted",
            False,
            "untrusted signer: the manifest is intact, but its certificate does not chain to a "
            "trust anchor this reader knows, so the signer could not be confirmed",
        )
    if failures or state == "Invalid":
        reasons = "; ".join(str(i.get("explanation") or i.get("code")) for i in failures[:3])
        return "invalid", False, f"the manifest failed validation: {reasons or state}"[:_NOTE_LIMIT]
    if state == "Valid":
        return "unverified", None, "the manifest is intact, but its signer's trust was not checked"
    return "unverified", None, "the c2pa library gave no verdict on the signature"


# Status codes (C2PA §15.2.1) that refuse the signer's certificate itself, and why, in words.
_REJECTED = {
    "signingCredential.expired": "it has expired",
    "signingCredential.revoked": "it was revoked",
    "signingCredential.ocsp.revoked": "it was revoked",
    "signingCredential.invalid": "it is not valid for signing",
    "claimSignature.outsideValidity": "it was not valid when the picture was signed",
    "timeStamp.outsideValidity": "its time stamp is outside its validity",
    "algorithm.unsupported": "its signature algorithm is not supported",
}


def _failures(store: dict[str, Any]) -> list[dict[str, Any]]:
    results = store.get("validation_results")
    active = results.get("activeManifest") if isinstance(results, dict) else None
    listed = active.get("failure") if isinstance(active, dict) else store.get("validation_status")
    return [item for item in listed or [] if isinstance(item, dict)]


def _claim_generator(active: dict[str, Any]) -> str | None:
    info = active.get("claim_generator_info")
    first = info[0] if isinstance(info, list) and info else info
    if isinstance(first, dict) and first.get("name"):
        return clip(f"{first['name']} {first.get('version') or ''}")
    legacy = active.get("claim_generator")
    if isinstance(legacy, str) and legacy.strip():
        # "Adobe_Photoshop/25.0 adobe_c2pa/0.7.6 c2pa-rs/0.25.2": the first product names the tool.
        return clip(legacy.split()[0].replace("_", " ").replace("/", " "))
    return None


def _source_type(manifest: dict[str, Any]) -> str | None:
    for action in _action_items(manifest):
        code = action.get("digitalSourceType")
        if isinstance(code, str) and source_type_code(code):
            return source_type_code(code)
    return None


def _unread(note: str) -> C2paFinding:
    return C2paFinding(claim_generator=None, signer=None, validated=None, validation_note=note)
