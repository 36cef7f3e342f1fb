"""What a file's own metadata says about how the image was made: the values `read_provenance`
returns and the partial records each metadata reader contributes to them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["ai", "camera", "edited", "unknown"]
# trusted: intact, signer on a trust list; untrusted: intact, signer on none this reader knows;
# rejected: intact, but the signer's certificate is not accepted (expired, revoked, not for
# signing); invalid: altered after signing; unverified: no verdict.
C2paStatus = Literal["trusted", "untrusted", "rejected", "invalid", "unverified"]

# The card and the agent hint show at most this much of a prompt.
PROMPT_LIMIT = 300
# A Finding keeps at most this much of any prompt: enough for any real prompt, bounded for a
# hostile one (a 10 MB text chunk must not travel on as a 10 MB string).
FIELD_LIMIT = 4000
# Settings (model, sampler, seed...) are short in every real record.
SETTING_LIMIT = 200


_ID = re.compile(r"(urn:uuid:)?[0-9a-fA-F]{8}(-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12}")


def is_id(text: str) -> bool:
    """Whether `text` is a bare id (a UUID): an id is not a name, never shown as one."""
    return _ID.fullmatch(text.strip()) is not None


def clip(value: object, limit: int = SETTING_LIMIT) -> str | None:
    """A value as stripped text of at most `limit` characters, None when there is nothing."""
    if value is None or isinstance(value, dict | list | tuple):
        return None
    text = str(value).strip()
    return text[:limit] if text else None


def to_int(value: object) -> int | None:
    """An integer from a record's value ("30", 30, 30.0), None for anything else."""
    if isinstance(value, bool):
        return None
    try:
        number = int(float(str(value).strip()))
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 <= number < 1 << 31 else None


@dataclass(frozen=True)
class GenerationRecord:
    """The prompt and settings one generator wrote into the file (A1111, ComfyUI, NovelAI)."""

    source: str
    generator: str | None = None
    generator_version: str | None = None
    prompt: str | None = None
    negative_prompt: str | None = None
    model: str | None = None
    seed: str | None = None
    steps: int | None = None
    sampler: str | None = None
    cfg: str | None = None
    width: int | None = None
    height: int | None = None


Keys = str | tuple[str, ...]  # a field's key in a generator's JSON, or its keys in order


@dataclass(frozen=True)
class RecordKeys:
    """Where one generator's JSON keeps each setting (the first key present wins)."""

    prompt: Keys = "prompt"
    negative: Keys = "negative_prompt"
    model: Keys = "model"
    seed: Keys = "seed"
    steps: Keys = "steps"
    sampler: Keys = "sampler"
    cfg: Keys = "cfg_scale"
    width: Keys = "width"
    height: Keys = "height"


def record_from(
    data: Mapping[str, Any],
    keys: RecordKeys,
    source: str,
    generator: str,
    version: object = None,
    **given: Any,
) -> GenerationRecord:
    """The record a generator's JSON holds, each value bounded; `given` values win (a size
    parsed from text, a model name found elsewhere)."""

    def first(names: Keys) -> object:
        for name in (names,) if isinstance(names, str) else names:
            if data.get(name) is not None:
                return data[name]
        return None

    values: dict[str, Any] = {
        "source": source,
        "generator": generator,
        "generator_version": clip(version),
        "prompt": clip(first(keys.prompt), FIELD_LIMIT),
        "negative_prompt": clip(first(keys.negative), FIELD_LIMIT),
        "model": clip(first(keys.model)),
        "seed": clip(first(keys.seed)),
        "steps": to_int(first(keys.steps)),
        "sampler": clip(first(keys.sampler)),
        "cfg": clip(first(keys.cfg)),
        "width": to_int(first(keys.width)),
        "height": to_int(first(keys.height)),
    }
    return GenerationRecord(**(values | given))


@dataclass(frozen=True)
class C2paFinding:
    """What a C2PA manifest store says, and whether the c2pa library could verify its signature.

    `validated` is True only when the library reported the manifest intact and its signer on a
    trust list; False when it reported a failure (an untrusted signer included); None when it
    gave no verdict or could not read the manifest. `validation_note` says why in plain words.
    """

    claim_generator: str | None
    signer: str | None
    validated: bool | None
    validation_note: str | None
    status: C2paStatus = "unverified"
    signer_common_name: str | None = None
    signed_at: str | None = None
    digital_source_type: str | None = None
    software_agent: str | None = None  # the tool the actions name ("GPT-4o", "Photoshop")
    edited_last: str | None = None  # the active manifest's action when it only edited (watermark)


@dataclass(frozen=True)
class Finding:
    """Everything the file's metadata says about its making; `sources` names where each fact
    came from ("png:parameters", "png:comfyui", "png:novelai", "xmp", "c2pa", "exif")."""

    kind: Kind = "unknown"
    generator: str | None = None
    generator_version: str | None = None
    prompt: str | None = None
    negative_prompt: str | None = None
    model: str | None = None
    seed: str | None = None
    steps: int | None = None
    sampler: str | None = None
    cfg: str | None = None
    width: int | None = None
    height: int | None = None
    c2pa: C2paFinding | None = None
    digital_source_type: str | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    taken_at: str | None = None
    software: str | None = None
    sources: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        """Whether the file carries any provenance record at all."""
        return bool(self.sources)
