"""Records that web UIs write as text: A1111/Forge `parameters` (also in EXIF UserComment for
JPEG and WebP), its JSON cousin from Fooocus, and NovelAI's `Comment` JSON."""

from __future__ import annotations

import json
import re
from typing import Any

from core.provenance.finding import FIELD_LIMIT, GenerationRecord, clip, to_int

# The pattern A1111 itself uses to read its settings line back (key: value, values may be
# quoted), anchored to the line's start or a comma so a long line without one costs linear time.
_SETTING = re.compile(r'(?:^|(?<=,))\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
_SETTINGS_LINE_MAX = 10_000
_NEGATIVE = "Negative prompt:"
_SIZE = re.compile(r"^\s*\(?\s*(\d{1,6})\s*[x×,*]\s*(\d{1,6})")
_MODEL_HASH_SUFFIX = re.compile(r"\s+[0-9A-Fa-f]{8}$")


def load_json(text: str | None) -> Any:
    """Parsed JSON, or None for anything that is not (deep nesting included)."""
    if not text:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def parse_parameters(text: str, source: str) -> GenerationRecord | None:
    """An A1111-style `parameters` text: prompt lines, 'Negative prompt: ...', settings line."""
    stripped = text.strip()
    if stripped.startswith("{"):
        data = load_json(stripped)
        return _fooocus(data, source) if isinstance(data, dict) else None
    lines = stripped.split("\n")
    settings = _settings(lines[-1]) if len(lines[-1]) <= _SETTINGS_LINE_MAX else {}
    if len(settings) >= 3:
        lines.pop()
    else:
        settings = {}
    prompt: list[str] = []
    negative: list[str] = []
    for line in lines:
        if line.startswith(_NEGATIVE):
            negative.append(line[len(_NEGATIVE) :].strip())
        else:
            (negative if negative else prompt).append(line)
    if not settings and not prompt:
        return None
    width, height = _size(settings.get("Size"))
    return GenerationRecord(
        source=source,
        generator=_webui_name(settings) if settings else None,
        generator_version=clip(settings.get("Version")),
        prompt=clip("\n".join(prompt), FIELD_LIMIT),
        negative_prompt=clip("\n".join(negative), FIELD_LIMIT),
        model=clip(settings.get("Model") or settings.get("Model hash")),
        seed=clip(settings.get("Seed")),
        steps=to_int(settings.get("Steps")),
        sampler=clip(settings.get("Sampler")),
        cfg=clip(settings.get("CFG scale")),
        width=width,
        height=height,
    )


def parse_novelai(comment: str, software: str | None, source_text: str | None) -> GenerationRecord:
    """NovelAI's `Comment` JSON; the model is named by the `Source` text, minus its hash."""
    data = load_json(comment)
    data = data if isinstance(data, dict) else {}
    prompt = data.get("prompt")
    v4_prompt = data.get("v4_prompt")
    caption = v4_prompt.get("caption") if isinstance(v4_prompt, dict) else None
    if not isinstance(prompt, str) and isinstance(caption, dict):
        prompt = caption.get("base_caption")
    model = _MODEL_HASH_SUFFIX.sub("", source_text.strip()) if source_text else None
    return GenerationRecord(
        source="png:novelai",
        generator="NovelAI",
        generator_version=clip(software.removeprefix("NovelAI")) if software else None,
        prompt=clip(prompt, FIELD_LIMIT),
        negative_prompt=clip(data.get("uc"), FIELD_LIMIT),
        model=clip(model),
        seed=clip(data.get("seed")),
        steps=to_int(data.get("steps")),
        sampler=clip(data.get("sampler")),
        cfg=clip(data.get("scale")),
        width=to_int(data.get("width")),
        height=to_int(data.get("height")),
    )


def is_novelai(software: str | None, source_text: str | None, comment: str | None) -> bool:
    """NovelAI names itself in `Software`; a bare `Comment` counts only with its telltale keys."""
    if (software or "").startswith("NovelAI") or (source_text or "").startswith("NovelAI"):
        return True
    return comment is not None and '"uc"' in comment and '"sampler"' in comment


def _settings(line: str) -> dict[str, str]:
    settings: dict[str, str] = {}
    for key, value in _SETTING.findall(line):
        if value.startswith('"') and value.endswith('"') and len(value) > 1:
            loaded = load_json(value)
            value = loaded if isinstance(loaded, str) else value[1:-1]
        settings.setdefault(key.strip(), value.strip())
    return settings


def _webui_name(settings: dict[str, str]) -> str:
    app = settings.get("App")
    if app:
        return app
    # Forge stamps its version "f2.0.1v1.10.1-...": an A1111 version with an "f" prefix.
    return "Forge" if settings.get("Version", "").startswith("f") else "Automatic1111"


def _size(value: object) -> tuple[int | None, int | None]:
    match = _SIZE.match(str(value)) if value is not None else None
    if match is None:
        return None, None
    return to_int(match.group(1)), to_int(match.group(2))


def _fooocus(data: dict[str, Any], source: str) -> GenerationRecord | None:
    if not isinstance(data.get("prompt"), str):
        return None
    version = clip(data.get("version"))
    name, _, number = (version or "Fooocus").partition(" ")
    width, height = _size(data.get("resolution"))
    return GenerationRecord(
        source=source,
        generator=name,
        generator_version=number or None,
        prompt=clip(data.get("prompt"), FIELD_LIMIT),
        negative_prompt=clip(data.get("negative_prompt"), FIELD_LIMIT),
        model=clip(data.get("base_model")),
        seed=clip(data.get("seed")),
        steps=to_int(data.get("steps")),
        sampler=clip(data.get("sampler")),
        cfg=clip(data.get("guidance_scale")),
        width=width,
        height=height,
    )
