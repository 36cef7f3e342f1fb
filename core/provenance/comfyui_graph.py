"""ComfyUI's record: the `prompt` graph (the API graph that ran: node id -> class_type, inputs,
links as [node id, slot]) and, when that is missing, the `workflow` graph (the editor's graph,
turned into the same shape for the widgets of the common nodes). PNG keeps them in text chunks;
the animated WebP saver and others keep them in EXIF text tags, "prompt:{...}" in Model and
"workflow:{...}" in Make (see `generator_records`).

The sampler node is the anchor: its own inputs first, then the nodes it links to (guider, noise,
scheduler and sampler-select nodes of the custom-sampler graphs), the prompt along its `positive`
link (through conditioning nodes and custom text nodes: primitives, concatenations, stylers), the
model along its `model` link back through LoRA and patch nodes to the loader.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any, Literal

from core.provenance.finding import FIELD_LIMIT, GenerationRecord, clip, to_int
from core.provenance.webui_records import load_json

_SAMPLERS = ("KSampler", "KSamplerAdvanced", "SamplerCustomAdvanced", "SamplerCustom")
_MODEL_KEYS = ("ckpt_name", "unet_name", "model_name")
_TEXT_KEYS = (
    "text",
    "text_g",
    "t5xxl",
    "text_l",
    "clip_l",
    "prompt",
    "populated_text",
    "wildcard_text",
    "string",
    "value",
    "Text",
)
# Nodes that hold both prompts (loaders with prompt widgets, stylers) name them by their side.
_SIDE_KEYS = {"positive": ("text_positive", "positive"), "negative": ("text_negative", "negative")}
# Text nodes that join their text inputs (WAS Text Concatenate, StringConcatenate, JoinStrings...).
_JOINING = re.compile(r"concat|join|combine|append", re.IGNORECASE)
_PART = re.compile(r"(?:text|string)_?[a-z0-9]{0,3}", re.IGNORECASE)
# Inputs that never lead to the prompt's text.
_NOT_TEXT = frozenset(
    {"model", "clip", "vae", "image", "pixels", "mask", "samples", "latent_image", "control_net"}
)
# A value may come from a primitive node; these are the names such nodes give it.
_PRIMITIVE_KEYS = ("value", "seed", "int", "float", "string")
_MAX_NODES = 5000
_MAX_HOPS = 64
# The editor saves widget values as a list; these are the names, in order, for common nodes.
_WIDGETS = {
    "KSampler": ("seed", "", "steps", "cfg", "sampler_name", "scheduler", "denoise"),
    "KSamplerAdvanced": ("", "noise_seed", "", "steps", "cfg", "sampler_name", "scheduler"),
    "CheckpointLoaderSimple": ("ckpt_name",),
    "UNETLoader": ("unet_name",),
    "CLIPTextEncode": ("text",),
    "EmptyLatentImage": ("width", "height"),
    "EmptySD3LatentImage": ("width", "height"),
    "RandomNoise": ("noise_seed",),
    "KSamplerSelect": ("sampler_name",),
    "BasicScheduler": ("scheduler", "steps"),
    "CFGGuider": ("cfg",),
    "PrimitiveNode": ("value",),
    "PrimitiveString": ("value",),
    "PrimitiveStringMultiline": ("value",),
    "StringConcatenate": ("string_a", "string_b", "delimiter"),
    "Text Multiline": ("text",),
}
Graph = dict[str, dict[str, Any]]


def parse_comfyui(prompt_text: str | None, workflow_text: str | None) -> GenerationRecord | None:
    """The generation settings in ComfyUI's PNG chunks; None when neither holds a usable graph."""
    return parse_comfyui_data(load_json(prompt_text), load_json(workflow_text))


def parse_comfyui_data(
    prompt: object, workflow: object, source: str = "png:comfyui"
) -> GenerationRecord | None:
    """The generation settings in parsed ComfyUI graphs (the API prompt, the editor workflow)."""
    graph = _api_graph(prompt) or _editor_graph(workflow)
    if not graph:
        return None
    sampler_id = next((i for i, n in graph.items() if n["class_type"] in _SAMPLERS), None)
    if sampler_id is None:
        return GenerationRecord(source=source, generator="ComfyUI", model=_any_model(graph))
    near = _reachable(graph, sampler_id, skip=("positive", "negative", "model", "clip"))
    width, height = _first(graph, near, "width"), _first(graph, near, "height")
    return GenerationRecord(
        source=source,
        generator="ComfyUI",
        # Flux-style guiders take a single `conditioning` instead of positive and negative.
        prompt=clip(
            _text_along(graph, near, "positive") or _text_along(graph, near, "conditioning"),
            FIELD_LIMIT,
        ),
        negative_prompt=clip(_text_along(graph, near, "negative"), FIELD_LIMIT),
        model=_model_along(graph, near) or _any_model(graph),
        seed=clip(_first(graph, near, "seed") or _first(graph, near, "noise_seed")),
        steps=to_int(_first(graph, near, "steps")),
        sampler=clip(_first(graph, near, "sampler_name")),
        cfg=clip(_first(graph, near, "cfg")),
        width=to_int(width),
        height=to_int(height),
    )


def graph_kind(data: object) -> Literal["prompt", "workflow"] | None:
    """Whether parsed JSON is ComfyUI's API prompt graph, its editor workflow, or neither."""
    if isinstance(data, dict) and isinstance(data.get("nodes"), list):
        return "workflow"
    if isinstance(data, dict) and any(
        isinstance(node, dict) and "class_type" in node and isinstance(node.get("inputs"), dict)
        for node in list(data.values())[:_MAX_NODES]
    ):
        return "prompt"
    return None


def _api_graph(data: object) -> Graph:
    if not isinstance(data, dict):
        return {}
    graph: Graph = {}
    for node_id, node in list(data.items())[:_MAX_NODES]:
        if isinstance(node, dict) and isinstance(node.get("inputs"), dict):
            graph[str(node_id)] = {"class_type": str(node.get("class_type")), **node["inputs"]}
    return graph


def _editor_graph(data: object) -> Graph:
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
        return {}
    sources: dict[object, list[str]] = {}
    for link in data.get("links") or []:
        if isinstance(link, list) and len(link) >= 3:
            sources[link[0]] = [str(link[1]), link[2]]
    graph: Graph = {}
    for node in data["nodes"][:_MAX_NODES]:
        if not isinstance(node, dict):
            continue
        kind = str(node.get("type"))
        entry: dict[str, Any] = {"class_type": kind}
        values = node.get("widgets_values")
        if isinstance(values, list):
            entry |= {k: v for k, v in zip(_WIDGETS.get(kind, ()), values, strict=False) if k}
        for slot in node.get("inputs") or []:
            if isinstance(slot, dict) and slot.get("link") in sources:
                entry[str(slot.get("name"))] = sources[slot["link"]]
        graph[str(node.get("id"))] = entry
    return graph


def _link_target(graph: Graph, value: object) -> str | None:
    """The id of the node a [node id, slot] link comes from, when it is in the graph."""
    if isinstance(value, list) and len(value) == 2 and str(value[0]) in graph:
        return str(value[0])
    return None


def _linked(graph: Graph, value: object) -> dict[str, Any] | None:
    target = _link_target(graph, value)
    return None if target is None else graph[target]


def _reachable(graph: Graph, start: str, skip: tuple[str, ...]) -> list[dict[str, Any]]:
    """The nodes linked from `start` (itself first), breadth first, not along `skip` inputs."""
    order: list[dict[str, Any]] = []
    seen, queue = {start}, deque([start])
    while queue and len(order) < _MAX_HOPS:
        node = graph[queue.popleft()]
        order.append(node)
        for name, value in node.items():
            if name in skip or not isinstance(value, list) or len(value) != 2:
                continue
            target = str(value[0])
            if target in graph and target not in seen:
                seen.add(target)
                queue.append(target)
    return order


def _first(graph: Graph, nodes: list[dict[str, Any]], key: str) -> object:
    """The first value of `key` among `nodes`; a value linked from another node is followed."""
    for node in nodes:
        if key in node:
            value = node[key]
            for _ in range(_MAX_HOPS):
                source = _linked(graph, value)
                if source is None:
                    return value
                value = next((source[k] for k in (key, *_PRIMITIVE_KEYS) if k in source), None)
    return None


def _text_along(graph: Graph, nodes: list[dict[str, Any]], edge: str) -> str | None:
    """The prompt text at the end of the first `edge` link (through conditioning nodes and the
    custom nodes the text may come from), within _MAX_HOPS nodes in all."""
    start = next((node[edge] for node in nodes if edge in node), None)
    keys = (*_SIDE_KEYS.get(edge, ()), *_TEXT_KEYS)
    return _text_of(graph, start, keys, [_MAX_HOPS], set())


def _text_of(
    graph: Graph, value: object, keys: tuple[str, ...], budget: list[int], seen: set[str]
) -> str | None:
    """The text a value holds or is linked from; `budget` counts the nodes still to visit."""
    if isinstance(value, str):
        return value if value.strip() else None
    node_id = _link_target(graph, value)
    if node_id is None or node_id in seen or budget[0] <= 0:
        return None
    budget[0] -= 1
    seen.add(node_id)
    node = graph[node_id]
    if _JOINING.search(node["class_type"]):
        parts = [
            _text_of(graph, part, keys, budget, seen)
            for name, part in node.items()
            if _PART.fullmatch(name)
        ]
        delimiter = node.get("delimiter", node.get("separator", ", "))
        joined = (delimiter if isinstance(delimiter, str) else ", ").join(filter(None, parts))
        if joined.strip():
            return joined
    for key in keys:
        if key in node:
            text = _text_of(graph, node[key], keys, budget, seen)
            if text:
                return text
    # A conditioning node (combine, ControlNet, guidance...): on along its first linked input.
    link = next((v for k, v in node.items() if k not in _NOT_TEXT and _link_target(graph, v)), None)
    return _text_of(graph, link, keys, budget, seen)


def _model_along(graph: Graph, nodes: list[dict[str, Any]]) -> str | None:
    """The checkpoint at the end of the first `model` link, through LoRA and patch nodes."""
    node = _linked(graph, next((node["model"] for node in nodes if "model" in node), None))
    for _ in range(_MAX_HOPS):
        if node is None:
            return None
        for key in _MODEL_KEYS:
            if isinstance(node.get(key), str):
                return clip(node[key])
        node = _linked(graph, node.get("model"))
    return None


def _any_model(graph: Graph) -> str | None:
    for node in graph.values():
        for key in _MODEL_KEYS:
            if isinstance(node.get(key), str):
                return clip(node[key])
    return None
