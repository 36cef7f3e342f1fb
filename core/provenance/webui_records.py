"""Records that web UIs write as text: the A1111-style `parameters` (A1111 itself, Forge and its
forks, SD.Next, Fooocus' A1111 scheme, Civitai's generator, ComfyUI savers; also in EXIF
UserComment for JPEG and WebP) and NovelAI's `Comment` JSON with its `Description` prompt.
JSON records of other generators are read in `generator_records`."""

from __future__ import annotations

import json
import re
from typing import Any

from core.provenance.finding import (
    FIELD_LIMIT,
    GenerationRecord,
    RecordKeys,
    clip,
    record_from,
    to_int,
)

# The pattern A1111 itself uses to read its settings line back (key: value, values may be
# quoted), anchored to the line's start or a comma so a long line without one costs linear time.
_SETTING = re.compile(r'(?:^|(?<=,))\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
_SETTINGS_LINE_MAX = 10_000
_NEGATIVE = "Negative prompt:"
_SIZE = re.compile(r"^\s*\(?\s*(\d{1,6})\s*[x×,*]\s*(\d{1,6})")
_MODEL_HASH_SUFFIX = re.compile(r"\s+[0-9A-Fa-f]{8}$")
# Forge stamps "f" + its version + A1111's: "f2.0.1v1.10.1-previous-669-gdfdcbab6"; reForge puts
# a dash before A1111's part: "f1.3.0-v1.10.1RC-...", "f2.0.0dev-v1.10.1RC-...".
_FORGE = re.compile(r"f\d")
_REFORGE = re.compile(r"f\d+(?:\.\d+)*[a-z]*(?:-[a-z]+)*-v\d", re.IGNORECASE)
# SD.Next writes its git commit as the version, next to "App: SD.Next" and "Backend: ...".
_COMMIT = re.compile(r"[0-9a-f]{7,40}")
# Civitai's generator ends its settings line with these two, each a JSON value.
_CIVITAI_RESOURCES = "Civitai resources:"
_CIVITAI_METADATA = "Civitai metadata:"
_DECODER = json.JSONDecoder()


def load_json(text: str | None) -> Any:
    """Parsed JSON, or None for anything that is not (deep nesting included)."""
    if not text:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def parse_parameters(text: str, source: str) -> GenerationRecord | None:
    """An A1111-style text: prompt lines, 'Negative prompt: ...', then the settings line.

    A JSON object is not this layout (see `generator_records.parse_record`): it gives None.
    """
    stripped = text.strip()
    if stripped.startswith("{") and isinstance(load_json(stripped), dict):
        return None
    lines = stripped.split("\n")
    line, civitai = _without_civitai_metadata(lines[-1])
    settings = _settings(line) if len(line) <= _SETTINGS_LINE_MAX else {}
    if len(settings) >= 3:
        lines.pop()
    else:
        settings, civitai = {}, False
    prompt: list[str] = []
    negative: list[str] = []
    for text_line in lines:
        if text_line.startswith(_NEGATIVE):
            negative.append(text_line[len(_NEGATIVE) :].strip())
        else:
            (negative if negative else prompt).append(text_line)
    if not settings and not prompt:
        return None
    name, version = webui_identity(settings, civitai=civitai) if settings else (None, None)
    width, height = size_of(settings.get("Size"))
    model = settings.get("Model") or _civitai_checkpoint(line) or settings.get("Model hash")
    return GenerationRecord(
        source=source,
        generator=name,
        generator_version=version,
        prompt=clip("\n".join(prompt), FIELD_LIMIT),
        negative_prompt=clip("\n".join(negative), FIELD_LIMIT),
        model=clip(model),
        seed=clip(settings.get("Seed")),
        steps=to_int(settings.get("Steps")),
        sampler=clip(settings.get("Sampler")),
        cfg=clip(settings.get("CFG scale") or settings.get("Guidance Scale")),
        width=width,
        height=height,
    )


def webui_identity(settings: dict[str, str], *, civitai: bool = False) -> tuple[str, str | None]:
    """Which A1111-style tool wrote a settings line, and its version without the name."""
    version = settings.get("Version", "").strip()
    app = settings.get("App", "").strip()
    # "Civitai metadata" (remix ids, the site's workflow) comes from Civitai's own generator only,
    # which runs ComfyUI: it wins over a "Version: ComfyUI" that saver nodes also write.
    if civitai:
        return "Civitai", None
    if "comfyui" in (app.lower(), version.lower().partition(" ")[0]):
        return "ComfyUI", None
    if app.lower() in ("sd.next", "sdnext") or (
        not app and "Backend" in settings and _COMMIT.fullmatch(version)
    ):
        return "SD.Next", clip(version)
    for name in ("RuinedFooocus", "Fooocus"):
        if version.startswith(name):
            return name, clip(version[len(name) :])
    if version.lower() in ("classic", "neo"):
        return "Forge", version.lower()
    if _REFORGE.match(version):
        return "reForge", clip(version)
    if _FORGE.match(version):
        return "Forge", clip(version)
    if _CIVITAI_RESOURCES[:-1] in settings:
        return "Civitai", None
    return (clip(app) or "Automatic1111"), clip(version)


_NOVELAI = RecordKeys(cfg="scale")


def parse_novelai(
    comment: str | dict[str, Any],
    software: str | None,
    source_text: str | None,
    description: str | None = None,
    source: str = "png:novelai",
) -> GenerationRecord:
    """NovelAI's `Comment` JSON (v1-v4); the prompt falls back to the `Description` text, the
    model is named by the `Source` text, minus its hash."""
    data = load_json(comment) if isinstance(comment, str) else comment
    data = data if isinstance(data, dict) else {}
    prompt = data.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        prompt = _v4_caption(data.get("v4_prompt")) or description
    negative = data.get("uc")
    if not isinstance(negative, str) or not negative.strip():
        negative = _v4_caption(data.get("v4_negative_prompt"))
    model = _MODEL_HASH_SUFFIX.sub("", source_text.strip()) if source_text else None
    version = software.removeprefix("NovelAI") if software else None
    return record_from(
        data,
        _NOVELAI,
        source,
        "NovelAI",
        version,
        prompt=clip(prompt, FIELD_LIMIT),
        negative_prompt=clip(negative, FIELD_LIMIT),
        model=clip(model),
    )


def is_novelai(software: str | None, source_text: str | None, comment: str | None) -> bool:
    """NovelAI names itself in `Software`; a bare `Comment` counts only with its telltale keys."""
    if (software or "").startswith("NovelAI") or (source_text or "").startswith("NovelAI"):
        return True
    return comment is not None and '"uc"' in comment and '"sampler"' in comment


def size_of(value: object) -> tuple[int | None, int | None]:
    """Width and height from "512x768", "(1152, 896)" and the like."""
    match = _SIZE.match(str(value)) if value is not None else None
    if match is None:
        return None, None
    return to_int(match.group(1)), to_int(match.group(2))


def _v4_caption(value: object) -> str | None:
    caption = value.get("caption") if isinstance(value, dict) else None
    text = caption.get("base_caption") if isinstance(caption, dict) else None
    return text if isinstance(text, str) and text.strip() else None


def _settings(line: str) -> dict[str, str]:
    settings: dict[str, str] = {}
    for key, value in _SETTING.findall(line):
        if value.startswith('"') and value.endswith('"') and len(value) > 1:
            loaded = load_json(value)
            value = loaded if isinstance(loaded, str) else value[1:-1]
        settings.setdefault(key.strip(), value.strip())
    return settings


def _without_civitai_metadata(line: str) -> tuple[str, bool]:
    """The settings line without Civitai's trailing metadata JSON (it can run long and holds
    nothing read here), and whether it was there."""
    cut = line.find(_CIVITAI_METADATA)
    return (line[:cut].rstrip(" ,"), True) if cut > 0 else (line, False)


def _civitai_checkpoint(line: str) -> str | None:
    """The checkpoint named in Civitai's resource list: "Name (version)"."""
    start = line.find(_CIVITAI_RESOURCES)
    if start < 0:
        return None
    try:
        resources, _ = _DECODER.raw_decode(line[start + len(_CIVITAI_RESOURCES) :].lstrip())
    except (ValueError, RecursionError):
        return None
    for item in resources if isinstance(resources, list) else []:
        if isinstance(item, dict) and str(item.get("type", "")).lower() == "checkpoint":
            name, version = clip(item.get("modelName")), clip(item.get("modelVersionName"))
            return f"{name} ({version})" if name and version else name or version
    return None
