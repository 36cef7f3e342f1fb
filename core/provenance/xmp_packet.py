"""The IPTC digital source type and the creator tool from an XMP packet.

Read with a pattern, not an XML parser: the packet is untrusted (entity expansion), each value
sits either in an attribute or in an element, and namespace prefixes vary between writers. The
pattern's runs are bounded and stop at the next tag, so a hostile packet costs linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.provenance.finding import clip

_PROPERTY = re.compile(
    r"(?<![\w.-])(?:[\w.-]++:)?(DigitalSourceType|CreatorTool|Make|Model)"
    r"(?:\s*=\s*[\"']([^\"'<>]{0,300})[\"']|\s*>\s*(?:<rdf:li[^<>]{0,300}>\s*)?([^<>]{0,300})<)"
)


@dataclass(frozen=True)
class XmpFacts:
    """What an XMP packet says: the IPTC code's last part, and the tool that wrote the file."""

    digital_source_type: str | None = None
    creator_tool: str | None = None
    make: str | None = None
    model: str | None = None


def read_xmp(packet: bytes) -> XmpFacts | None:
    """The facts in an XMP packet; None when it holds none of them."""
    found: dict[str, str] = {}
    for match in _PROPERTY.finditer(packet.decode("utf-8", "replace")):
        value = clip(match.group(2) if match.group(2) is not None else match.group(3))
        if value is not None:
            found.setdefault(match.group(1), value)
        if len(found) == 4:
            break
    code = found.get("DigitalSourceType")
    facts = XmpFacts(
        digital_source_type=source_type_code(code) if code else None,
        creator_tool=found.get("CreatorTool"),
        make=found.get("Make"),
        model=found.get("Model"),
    )
    return facts if found else None


def source_type_code(value: str) -> str | None:
    """'trainedAlgorithmicMedia' from 'http://cv.iptc.org/newscodes/digitalsourcetype/trained...'."""
    code = value.strip().rstrip("/").rsplit("/", 1)[-1]
    return clip(code, 80) if code.replace("_", "").isalnum() else None
