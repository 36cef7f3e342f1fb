"""`read_provenance`: every record a file carries about its making, merged into one Finding.

Each reader (container walk, generator records, EXIF, XMP, C2PA) runs on its own guard, so a
damaged part costs only its own facts; nothing a file holds makes `read` raise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

from core.provenance.c2pa_manifest import VERIFY_MAX_BYTES, C2paPolicy, read_c2pa
from core.provenance.comfyui_graph import parse_comfyui
from core.provenance.containers import read_raw
from core.provenance.exif_tags import ExifFacts, read_exif
from core.provenance.finding import C2paFinding, Finding, GenerationRecord, Kind, clip
from core.provenance.generator_records import (
    name_comfyui_savers,
    parse_draw_things,
    parse_exif_records,
    parse_invokeai,
    parse_midjourney,
    parse_record,
    xmp_description,
)
from core.provenance.raw import RawMetadata
from core.provenance.webui_records import is_novelai, parse_novelai, parse_parameters
from core.provenance.xmp_packet import XmpFacts, read_xmp

log = logging.getLogger(__name__)
T = TypeVar("T")

# IPTC digital source types, by what they say the image is. Only a trained model makes an "AI"
# image: `algorithmicMedia` (a formula, no training data) and `compositeSynthetic` are software.
_SOURCE_KINDS: dict[str, Kind] = dict.fromkeys(
    ("trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"), "ai"
)
_SOURCE_KINDS |= dict.fromkeys(
    ("digitalCapture", "computationalCapture", "negativeFilm", "positiveFilm", "print"), "camera"
)
_SOURCE_KINDS |= dict.fromkeys(
    (
        "algorithmicMedia",
        "compositeSynthetic",
        "dataDrivenMedia",
        "screenCapture",
        "virtualRecording",
        "humanEdits",
        "minorHumanEdits",
        "algorithmicallyEnhanced",
        "composite",
        "compositeCapture",
        "digitalCreation",
        "digitalArt",
    ),
    "edited",
)
# Tools that only make AI images: naming one as the writer is a record of AI generation.
_AI_TOOLS = (
    "midjourney",
    "dall-e",
    "dall·e",
    "chatgpt",
    "stable diffusion",
    "novelai",
    "comfyui",
    "firefly",
    "imagen",
    "ideogram",
    "invokeai",
    "fooocus",
    "automatic1111",
    "draw things",
)
_PARAMETER_MARK = "Steps: "
_SETTINGS = tuple(f.name for f in fields(GenerationRecord) if f.name != "source")


class ProvenanceReader:
    """Reads provenance records from image files.

    `trust_anchors_pem` is a PEM bundle of C2PA trust anchors; with none (the default) no C2PA
    signer counts as trusted, and the finding says so rather than calling it verified. Files
    over `c2pa_verify_max_bytes` have their manifest read but not verified (see C2paPolicy).
    """

    def __init__(
        self,
        trust_anchors_pem: str | None = None,
        c2pa_verify_max_bytes: int = VERIFY_MAX_BYTES,
    ) -> None:
        self._c2pa_policy = C2paPolicy(trust_anchors_pem, c2pa_verify_max_bytes)

    def read(self, path: Path) -> Finding:
        """The finding for the file at `path`; an empty Finding when nothing can be read."""
        try:
            return self._read(path)
        except Exception:  # a last resort: each part is guarded on its own below
            log.debug("provenance unreadable for %s", path.name, exc_info=True)
            return Finding()

    def _read(self, path: Path) -> Finding:
        meta = RawMetadata()
        _guard(read_raw, path, meta)
        if meta.damage:
            log.debug("damaged metadata in %s: %s", path.name, "; ".join(meta.damage[:5]))
        exif = _guard(read_exif, meta.exif) if meta.exif else None
        xmp = _guard(read_xmp, meta.xmp) if meta.xmp else None
        c2pa = _guard(read_c2pa, path, meta, self._c2pa_policy)
        return merge(meta, _records(meta, exif), exif, xmp, c2pa)


def read_provenance(path: Path, trust_anchors_pem: str | None = None) -> Finding:
    """What the file at `path` records about how it was made; never raises."""
    return ProvenanceReader(trust_anchors_pem).read(path)


def _records(meta: RawMetadata, exif: ExifFacts | None) -> list[GenerationRecord]:
    texts = meta.texts
    found: list[GenerationRecord | None] = []
    if "parameters" in texts:
        found.append(_guard(parse_record, texts["parameters"], "png:parameters"))
    if "prompt" in texts or "workflow" in texts:
        found.append(_guard(parse_comfyui, texts.get("prompt"), texts.get("workflow")))
    found.append(_guard(parse_invokeai, texts))
    software, source = texts.get("Software"), texts.get("Source")
    if "Comment" in texts and is_novelai(software, source, texts["Comment"]):
        description = texts.get("Description")
        found.append(_guard(parse_novelai, texts["Comment"], software, source, description))
    # JSON in EXIF text tags: ComfyUI's graphs in Make/Model, SwarmUI, Fooocus, NovelAI's WebP.
    found += (_guard(parse_exif_records, exif.record_texts) or []) if exif else []
    # In a comment a web UI's record counts only with its settings line (a generator is named).
    comment = exif.user_comment if exif else None
    if comment and _PARAMETER_MARK in comment:
        found.append(_named(_guard(parse_parameters, comment, "exif")))
    jpeg_comment = meta.comment or ""  # a JPEG COM segment: A1111 text, or Fooocus' JSON
    if _PARAMETER_MARK in jpeg_comment or jpeg_comment.lstrip().startswith("{"):
        found.append(_named(_guard(parse_record, jpeg_comment, "jpeg:com")))
    if meta.xmp:
        found.append(_guard(parse_draw_things, meta.xmp))
    description = texts.get("Description")
    if description is None and meta.xmp and b"Job ID" in meta.xmp:
        description = _guard(xmp_description, meta.xmp)
    if description:
        found.append(_guard(parse_midjourney, description, "midjourney"))
    return name_comfyui_savers([record for record in found if record is not None])


def _named(record: GenerationRecord | None) -> GenerationRecord | None:
    return record if record is not None and record.generator else None


def merge(
    meta: RawMetadata,
    records: list[GenerationRecord],
    exif: ExifFacts | None,
    xmp: XmpFacts | None,
    c2pa: C2paFinding | None,
) -> Finding:
    """One Finding from every part's facts; the first record to hold a setting gives it."""
    settings: dict[str, Any] = {
        name: next((getattr(r, name) for r in records if getattr(r, name) is not None), None)
        for name in _SETTINGS
    }
    if settings["width"] is None and settings["height"] is None:
        settings["width"], settings["height"] = meta.width, meta.height
    exif, xmp = exif or ExifFacts(), xmp or XmpFacts()
    source_type = (c2pa.digital_source_type if c2pa else None) or xmp.digital_source_type
    software = exif.software or xmp.creator_tool or clip(meta.texts.get("Software"))
    make, model = exif.make or xmp.make, exif.model or xmp.model
    sources = [record.source for record in records]
    sources += ["exif"] if exif.any and "exif" not in sources else []
    sources += ["xmp"] if xmp != XmpFacts() else []
    sources += ["c2pa"] if c2pa else []
    sources += ["png:text"] if not sources and software else []
    tools = f"{software or ''} {c2pa.claim_generator if c2pa else ''}".lower()
    ai = bool(records) or any(tool in tools for tool in _AI_TOOLS)
    return Finding(
        **settings,
        kind=_kind(ai, source_type, camera=bool(make or model), software=bool(software)),
        c2pa=c2pa,
        digital_source_type=source_type,
        camera_make=make,
        camera_model=model,
        taken_at=exif.taken_at,
        software=software,
        sources=tuple(sources),
    )


def _kind(ai: bool, source_type: str | None, *, camera: bool, software: bool) -> Kind:
    """A record of AI generation wins; then the declared source type; then camera, software."""
    if ai:
        return "ai"
    if source_type in _SOURCE_KINDS:
        return _SOURCE_KINDS[source_type]
    if camera:
        return "camera"
    return "edited" if software else "unknown"


def _guard(reader: Callable[..., T], *args: object) -> T | None:
    try:
        return reader(*args)
    except Exception:  # one part's damage must not cost the others their facts
        log.debug("%s failed", getattr(reader, "__name__", reader), exc_info=True)
        return None
