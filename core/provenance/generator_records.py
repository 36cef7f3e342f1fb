"""Records of the generators whose layout is not A1111's text: JSON in `parameters` (SwarmUI's
`sui_image_params`, Fooocus, RuinedFooocus), InvokeAI's three PNG layouts, Draw Things' XMP, and
the JSON that savers put into EXIF text tags (ComfyUI's graphs, SwarmUI, Fooocus, NovelAI's WebP).

InvokeAI wrote `Dream` (a command line), then `sd-metadata` (JSON, the prompt with its negative in
[brackets]), then `invokeai_metadata` (JSON). Draw Things writes an XMP packet whose
exif:UserComment holds its JSON (`c` the prompt, `uc` the negative) and whose dc:description holds
an A1111-like text. NovelAI's WebP keeps its PNG text chunks as one JSON object in UserComment.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from core.provenance.comfyui_graph import graph_kind, parse_comfyui_data
from core.provenance.finding import (
    FIELD_LIMIT,
    GenerationRecord,
    RecordKeys,
    clip,
    record_from,
    to_int,
)
from core.provenance.webui_records import (
    is_novelai,
    load_json,
    parse_novelai,
    parse_parameters,
    size_of,
)

# Names of A1111-style writers: a record in that style next to a ComfyUI graph was written by a
# saver node inside ComfyUI.
_A1111_STYLE = frozenset({"Automatic1111", "Forge", "reForge", "SD.Next", "Civitai"})
# JSON behind a short label, as ComfyUI's savers write EXIF tags: "prompt:{...}", "Workflow: {".
_LABEL = re.compile(r"\s*[A-Za-z]\w{0,19}\s*:\s*(?=[\[{])")
_DREAM_MAX = 20_000
_DREAM_PROMPT_END = re.compile(r'"(?=\s+-[A-Za-z]\s)')
_DREAM_OPTION = re.compile(r"(?:^|\s)-([A-Za-z])\s+([^\s\"]+)")
_BRACKETED = re.compile(r"\[([^\[\]]*)\]")
_DRAW_THINGS = re.compile(r"CreatorTool\s*(?:=\s*[\"']|>)\s*Draw Things")
_XMP_TAG = "<(?:[\\w.-]+:)?{}\\b[^<>]*>"


def parse_record(text: str, source: str) -> GenerationRecord | None:
    """A `parameters`-style record: a JSON object (SwarmUI, the Fooocus family...) or A1111 text."""
    stripped = text.strip()
    data = load_json(stripped) if stripped.startswith("{") else None
    if isinstance(data, dict):
        return parse_json_record(data, source)
    return parse_parameters(stripped, source)


def parse_json_record(data: object, source: str) -> GenerationRecord | None:
    """The record in a parsed JSON object, when it is one a known generator writes."""
    if not isinstance(data, dict):
        return None
    kind = graph_kind(data)
    if kind == "prompt":
        return parse_comfyui_data(data, None, source)
    if kind == "workflow":
        return parse_comfyui_data(None, data, source)
    if "prompt" in data and "workflow" in data:  # both graphs under one object
        return _comfyui_pair(data.get("prompt"), data.get("workflow"), source)
    if isinstance(data.get("sui_image_params"), dict):
        return _swarmui(data, source)
    if data.get("software") == "RuinedFooocus":
        return _ruined_fooocus(data, source)
    if isinstance(data.get("c"), str) and ("uc" in data or "scale" in data):
        return _draw_things(data, source)
    if "Comment" in data:
        return _novelai_bundle(data, source)
    if "v4_prompt" in data or {"uc", "sampler", "scale"} <= data.keys():
        return parse_novelai(data, None, None, source=source)
    return _fooocus(data, source)


def parse_invokeai(texts: Mapping[str, str]) -> GenerationRecord | None:
    """InvokeAI's record from whichever of its PNG layouts the file holds, newest first."""
    for key, reader in (
        ("invokeai_metadata", _invoke_metadata),
        ("sd-metadata", _invoke_sd_metadata),
        ("Dream", _invoke_dream),
    ):
        record = reader(texts[key]) if key in texts else None
        if record is not None:
            return record
    return None


def parse_exif_records(texts: Sequence[tuple[str, str]]) -> list[GenerationRecord]:
    """The records in EXIF text tags: ComfyUI's graphs (one record from both), other JSON."""
    graphs: dict[str, object] = {}
    found: list[GenerationRecord] = []
    for _tag, text in texts:
        label = _LABEL.match(text)
        data = load_json(text[label.end() :] if label else text)
        kind = graph_kind(data)
        if kind is not None:
            graphs.setdefault(kind, data)
            continue
        record = parse_json_record(data, "exif")
        if record is not None and record.generator:
            found.append(record)
    comfy = parse_comfyui_data(graphs.get("prompt"), graphs.get("workflow"), "exif")
    return [comfy, *found] if comfy is not None else found


def parse_draw_things(packet: bytes) -> GenerationRecord | None:
    """Draw Things' record in an XMP packet: its JSON, else its description text."""
    text = packet.decode("utf-8", "replace")
    if not _DRAW_THINGS.search(text):
        return None
    data = load_json(_xmp_text(text, "UserComment"))
    if isinstance(data, dict) and isinstance(data.get("c"), str):
        return _draw_things(data, "xmp:drawthings")
    lines = (_xmp_text(text, "description") or "").split("\n")
    # The description is "prompt", "-negative", then a settings line.
    negative = next((i for i, line in enumerate(lines) if i and line.startswith("-")), None)
    if negative is not None:
        lines[negative] = "Negative prompt: " + lines[negative][1:]
    record = parse_parameters("\n".join(lines), "xmp:drawthings")
    if record is None:
        return GenerationRecord(source="xmp:drawthings", generator="Draw Things")
    return replace(record, generator="Draw Things", generator_version=None)


def name_comfyui_savers(records: list[GenerationRecord]) -> list[GenerationRecord]:
    """An A1111-style record next to a ComfyUI graph was written by a saver node in ComfyUI."""
    if not any(record.generator == "ComfyUI" for record in records):
        return records
    return [
        replace(record, generator="ComfyUI", generator_version=None)
        if record.generator in _A1111_STYLE
        else record
        for record in records
    ]


def _comfyui_pair(prompt: object, workflow: object, source: str) -> GenerationRecord | None:
    prompt = load_json(prompt) if isinstance(prompt, str) else prompt
    workflow = load_json(workflow) if isinstance(workflow, str) else workflow
    return parse_comfyui_data(prompt, workflow, source)


_SWARMUI = RecordKeys(
    negative="negativeprompt", sampler=("sampler", "comfyuisampler"), cfg="cfgscale"
)
_FOOOCUS = RecordKeys(model="base_model", cfg="guidance_scale")
_RUINED_FOOOCUS = RecordKeys(
    prompt="Prompt", negative="Negative", model="base_model_name", sampler="sampler_name", cfg="cfg"
)
_DRAW_THINGS_KEYS = RecordKeys(prompt="c", negative="uc", cfg="scale")
_INVOKE_METADATA = RecordKeys(prompt="positive_prompt", sampler="scheduler")
_INVOKE_SD_METADATA = RecordKeys()


def _swarmui(data: dict[str, Any], source: str) -> GenerationRecord:
    params: dict[str, Any] = data["sui_image_params"]
    extra = data.get("sui_extra_data")
    extra = extra if isinstance(extra, dict) else {}
    version = params.get("swarm_version") or extra.get("swarm_version")
    return record_from(params, _SWARMUI, source, "SwarmUI", version)


def _fooocus(data: dict[str, Any], source: str) -> GenerationRecord | None:
    version = clip(data.get("version"))
    fooocus = "Fooocus" in (version or "") or "base_model" in data
    if not isinstance(data.get("prompt"), str) or not fooocus:
        return None
    name, _, number = (version or "Fooocus").partition(" ")
    width, height = size_of(data.get("resolution"))
    return record_from(data, _FOOOCUS, source, name, number, width=width, height=height)


def _ruined_fooocus(data: dict[str, Any], source: str) -> GenerationRecord:
    return record_from(data, _RUINED_FOOOCUS, source, "RuinedFooocus", data.get("version"))


def _draw_things(data: dict[str, Any], source: str) -> GenerationRecord:
    width, height = size_of(data.get("size"))
    return record_from(data, _DRAW_THINGS_KEYS, source, "Draw Things", width=width, height=height)


def _novelai_bundle(data: dict[str, Any], source: str) -> GenerationRecord | None:
    """NovelAI's WebP: its PNG text chunks (Comment, Description, Software...) as one object."""
    comment = data.get("Comment")
    software, source_text = clip(data.get("Software")), clip(data.get("Source"))
    text = comment if isinstance(comment, str) else None
    if not isinstance(comment, str | dict) or not is_novelai(software, source_text, text):
        return None
    description = data.get("Description")
    description = description.strip("\0") if isinstance(description, str) else None
    return parse_novelai(comment, software, source_text, description, source)


def _invoke_metadata(text: str) -> GenerationRecord | None:
    data = load_json(text)
    if not isinstance(data, dict):
        return None
    model = data.get("model")
    name = model.get("name") or model.get("model_name") if isinstance(model, dict) else model
    version = data.get("app_version")
    return record_from(
        data, _INVOKE_METADATA, "png:invokeai", "InvokeAI", version, model=clip(name)
    )


def _invoke_sd_metadata(text: str) -> GenerationRecord | None:
    data = load_json(text)
    image = data.get("image") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(image, dict):
        return None
    prompt = image.get("prompt")
    if isinstance(prompt, list):  # [{"prompt": "...", "weight": 1.0}, ...]
        prompt = next((p.get("prompt") for p in prompt if isinstance(p, dict)), None)
    positive, negative = _split_negative(prompt if isinstance(prompt, str) else "")
    return record_from(
        image,
        _INVOKE_SD_METADATA,
        "png:invokeai",
        "InvokeAI",
        data.get("app_version"),
        prompt=clip(positive, FIELD_LIMIT),
        negative_prompt=clip(negative, FIELD_LIMIT),
        model=clip(data.get("model_weights") or data.get("model_id")),
    )


def _invoke_dream(text: str) -> GenerationRecord | None:
    """`"a prompt [negative]" -s 50 -S 1234 -W 512 -H 512 -C 7.5 -A k_lms`."""
    line = text[:_DREAM_MAX].strip()
    end = _DREAM_PROMPT_END.search(line, 1)
    stop = end.start() if end else line.rfind('"')
    if not line.startswith('"') or stop <= 0:
        return None
    options: dict[str, str] = {}
    for flag, value in _DREAM_OPTION.findall(line[stop + 1 :]):
        options.setdefault(flag, value)
    positive, negative = _split_negative(line[1:stop])
    return GenerationRecord(
        source="png:invokeai",
        generator="InvokeAI",
        prompt=clip(positive, FIELD_LIMIT),
        negative_prompt=clip(negative, FIELD_LIMIT),
        seed=clip(options.get("S")),
        steps=to_int(options.get("s")),
        sampler=clip(options.get("A")),
        cfg=clip(options.get("C")),
        width=to_int(options.get("W")),
        height=to_int(options.get("H")),
    )


def _split_negative(prompt: str) -> tuple[str, str]:
    """Old InvokeAI's prompt: the negative is written in [brackets] inside it."""
    negative = ", ".join(part.strip() for part in _BRACKETED.findall(prompt) if part.strip())
    positive = " ".join(_BRACKETED.sub(" ", prompt).split()).strip(" ,")
    return positive, negative


def _xmp_text(packet: str, name: str) -> str | None:
    """The text of an XMP property (its x-default rdf:li when it is a language alternative)."""
    tag = re.search(_XMP_TAG.format(name), packet)
    if tag is None:
        return None
    start = tag.end()
    close = packet.find(f"{name}>", start)
    body = packet[start : close if close > 0 else len(packet)]
    item = re.search(r"<rdf:li\b[^<>]*>", body)
    if item is not None:
        body = body[item.end() :]
    end = body.find("<")
    return html.unescape(body[: end if end >= 0 else len(body)]).strip() or None


# Midjourney keeps the prompt as typed, its parameters included, then "Job ID: <uuid>": in the
# PNG `Description` text chunk, and in the XMP description of its other formats.
_JOB_ID = re.compile(r"\s*Job ID:\s*[0-9a-fA-F-]{8,40}\s*$")
_MJ_VERSION = re.compile(r"--(v|version|niji)\s+(\d+(?:\.\d+)?)")
_XMP_DESCRIPTION = re.compile(
    r"<(?:[\w.-]+:)?description\b[^<>]{0,200}>\s*(?:<rdf:Alt\b[^<>]{0,200}>\s*)?"
    r"(?:<rdf:li\b[^<>]{0,200}>)?([^<>]{1,5000})<",
    re.IGNORECASE,
)


def parse_midjourney(text: str, source: str) -> GenerationRecord | None:
    """Midjourney's record: its description text with the job id (no job id: not Midjourney)."""
    if not _JOB_ID.search(text):
        return None
    prompt = html.unescape(_JOB_ID.sub("", text)).strip()
    version = _MJ_VERSION.search(prompt)
    model = None
    if version is not None:
        model = f"niji {version.group(2)}" if version.group(1) == "niji" else f"v{version.group(2)}"
    return GenerationRecord(
        source=source, generator="Midjourney", prompt=clip(prompt, FIELD_LIMIT), model=model
    )


def xmp_description(packet: bytes) -> str | None:
    """The first description an XMP packet holds (dc:description's default language)."""
    found = _XMP_DESCRIPTION.search(packet.decode("utf-8", "replace"))
    return found.group(1) if found else None
