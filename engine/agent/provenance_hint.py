"""The provenance line a client may add to its instruction, read into the explainer's captions.

A client that read the photo's own record (PNG text chunks, XMP, C2PA, EXIF) sends one line::

    Provenance: AI image (trainedAlgorithmicMedia); generator: Automatic1111; model: sdxl;
    steps 30, sampler DPM++ 2M, seed 1234; prompt: "a castle at dusk" (metadata is the ...)

The line is taken out of the instruction before any edit rule sees it (a prompt saying
"vertical" must not turn the canvas), and becomes the "How this one was made" captions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

# What the file says: made by a model, taken by a camera, made or edited with software, nothing
# at all (no record), or a record that does not say (or no provenance line was sent).
Evidence = Literal["ai", "camera", "edited", "none", "unstated"]
_EVIDENCE: tuple[tuple[str, Evidence], ...] = (
    ("AI image", "ai"),
    ("camera photo", "camera"),
    ("made or edited", "edited"),
)
_LINE = re.compile(r"^\s*Provenance:\s*(.+)$", re.MULTILINE)
_CLAIM = re.compile(r"\s*\(metadata is the file's claim, not proof\)\s*$")
_PROMPT = re.compile(r'prompt:\s*"([^"]*)"')
PROMPT_ON_SCREEN = 160


@dataclass
class Provenance:
    kind: str = ""
    facts: dict[str, str] = field(default_factory=dict)
    settings: str = ""
    prompt: str = ""

    @property
    def found(self) -> bool:
        return bool(self.kind) and not self.kind.startswith("no record")

    @property
    def evidence(self) -> Evidence:
        """What the file's record says of its making, as far as the video may claim it."""
        if not self.found:
            return "none"
        for start, evidence in _EVIDENCE:
            if self.kind.startswith(start):
                return evidence
        return "unstated"


def split_provenance(message: str) -> tuple[str, Provenance | None]:
    """The instruction without the provenance line, and what the line said (None: no line)."""
    found = _LINE.search(message)
    if found is None:
        return message, None
    rest = (message[: found.start()] + message[found.end() :]).strip()
    return rest, parse(found.group(1))


def parse(line: str) -> Provenance:
    line = _CLAIM.sub("", line)
    result = Provenance()
    prompt = _PROMPT.search(line)
    if prompt:
        result.prompt = prompt.group(1).strip()
        line = line[: prompt.start()] + line[prompt.end() :]
    parts = [part.strip() for part in line.split(";") if part.strip()]
    if parts:
        result.kind = parts[0].rstrip(".")
    for part in parts[1:]:
        key, colon, value = part.partition(":")
        if colon and (key.strip().isalpha() or key.strip() == "C2PA"):
            result.facts[key.strip().lower()] = value.strip()
        else:
            result.settings = part
    return result


def made_captions(found: Provenance, chinese: bool) -> list[str]:
    """The "How this one was made" captions."""
    if not found.found:
        return [
            "文件里没有记录它是如何生成的——这并不能证明任何一方。"
            if chinese
            else "The file carries no record of how it was made. That proves nothing either way."
        ]
    head = "它是如何生成的" if chinese else "How this one was made"
    made_with = " · ".join(
        value for key in ("generator", "model", "camera") if (value := found.facts.get(key))
    )
    captions = [f"{head}: {made_with or found.kind}"]
    if found.prompt:
        prompt = found.prompt
        if len(prompt) > PROMPT_ON_SCREEN:
            prompt = prompt[:PROMPT_ON_SCREEN].rsplit(" ", 1)[0].rstrip(",;:") + "…"
        captions.append(f"{'提示词' if chinese else 'Prompt'}: “{prompt}”")
    if found.settings:
        captions.append(f"{'参数' if chinese else 'Settings'}: {found.settings}")
    if found.facts.get("c2pa"):
        captions.append(f"C2PA: {found.facts['c2pa']}")
    if found.facts.get("taken"):
        captions.append(f"{'拍摄于' if chinese else 'Taken'}: {found.facts['taken']}")
    return captions
