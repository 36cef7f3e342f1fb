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

from engine.draft import Line

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


def made_captions(found: Provenance, chinese: bool) -> list[Line]:
    """The "How this one was made" captions, each with what the voice says when the screen's
    words read badly aloud (a model's file name, a seed, a pixel size)."""
    if not found.found:
        if chinese:
            return [Line("文件里没有记录它是如何生成的——这并不能证明任何一方。")]
        return [
            Line("The file carries no record of how it was made. That proves nothing either way.")
        ]
    if found.evidence == "camera":
        head = "相机" if chinese else "Camera"
    else:
        head = "它是如何生成的" if chinese else "How this one was made"
    made_with = " · ".join(
        value for key in ("generator", "model", "camera") if (value := found.facts.get(key))
    )
    said = _speakable(_VERSION.sub("", f"{head}: {made_with}")) if made_with else ""
    captions = [Line(f"{head}: {made_with or found.kind}", said)]
    if found.prompt:
        prompt = found.prompt
        if len(prompt) > PROMPT_ON_SCREEN:
            prompt = prompt[:PROMPT_ON_SCREEN].rsplit(" ", 1)[0].rstrip(",;:") + "…"
        captions.append(Line(f"{'提示词' if chinese else 'Prompt'}: “{prompt}”"))
    if found.settings:
        label = "参数" if chinese else "Settings"
        spoken = [
            part for part in _SETTING_PARTS.split(found.settings) if not _UNSPOKEN.match(part)
        ]
        said = _speakable(f"{label}: {', '.join(spoken)}") if spoken else ""
        captions.append(Line(f"{label}: {found.settings}", said))
    if found.facts.get("c2pa"):
        captions.append(Line(f"C2PA: {found.facts['c2pa']}"))
    if found.facts.get("taken"):
        captions.append(Line(f"{'拍摄于' if chinese else 'Taken'}: {found.facts['taken']}"))
    return [Line(line.text, line.say if line.say != line.text else "") for line in captions]


_SETTING_PARTS = re.compile(r"\s*[,·，]\s*")
# Shown but not read aloud: a seed's digits and the pixel size say nothing to a listener.
_UNSPOKEN = re.compile(r"(seed|种子)\b|\d+\s*[×x]\s*\d+$", re.IGNORECASE)


# How people say the names a voice would otherwise read as a number.
_SAID_NAMES = {"Automatic1111": "Automatic eleven eleven", "A1111": "A eleven eleven"}
_VERSION = re.compile(  # a version after a name, shown and not read aloud
    r"\s+v?\d+(?:\.\d+)+\b(?=\s*(?:·|$))"
)


def _speakable(text: str) -> str:
    """`text` as a voice should read it: underscores between words as spaces, a middle dot a
    pause, and the names people say differently from how they spell."""
    text = re.sub(r"(?<=[A-Za-z])_(?=\w)|(?<=\w)_(?=[A-Za-z])", " ", text)
    for written, said in _SAID_NAMES.items():
        text = text.replace(written, said)
    return text.replace(" · ", ", ")
