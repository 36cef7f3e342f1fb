"""Provenance: what an image file's own metadata records about how it was made.

Stable Diffusion web UIs (A1111/Forge `parameters`), ComfyUI (`prompt`/`workflow` graphs),
NovelAI (`Comment`), XMP with the IPTC digital source type, C2PA manifests (read and verified by
the c2pa library) and camera EXIF, read within fixed bounds whatever the file's size or damage.
Platform-free: nothing here knows a chat library.

    finding = read_provenance(path)            # never raises
    provenance_card(finding, "en")             # a short card for the chat
    agent_hint(finding)                        # one line for the video agent's instruction
"""

from core.provenance.card import agent_hint, cut_prompt, provenance_card
from core.provenance.finding import PROMPT_LIMIT, C2paFinding, Finding, Kind
from core.provenance.reader import ProvenanceReader, read_provenance

__all__ = [
    "PROMPT_LIMIT",
    "C2paFinding",
    "Finding",
    "Kind",
    "ProvenanceReader",
    "agent_hint",
    "cut_prompt",
    "provenance_card",
    "read_provenance",
]
