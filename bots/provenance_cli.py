"""`clipbridge provenance FILE...`: the card the bot would post for each picture, or the finding
as JSON lines, so people and operators can check a file without a bot."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from core.provenance import provenance_card, read_provenance
from core.provenance.card import source_type_words
from core.provenance.trust_anchors import trust_anchors


def show_provenance(files: list[Path], *, as_json: bool, language: str, anchors: str = "") -> int:
    """Print each file's card (or JSON line); 2 when a file could not be read, else 0. C2PA
    signers are checked against `anchors` (the C2PA_TRUST_ANCHORS setting)."""
    trusted = trust_anchors(anchors)
    missing = 0
    for number, path in enumerate(files):
        if not path.is_file():
            print(f"clipbridge: no such file: {path}", file=sys.stderr)
            missing += 1
            continue
        finding = read_provenance(path, trusted)
        if as_json:
            data = dataclasses.asdict(finding)
            data["digital_source_type_words"] = source_type_words(finding.digital_source_type)
            print(json.dumps({"file": str(path), "finding": data}, ensure_ascii=False))
            continue
        if number:
            print()
        if len(files) > 1:
            print(f"{path}:")
        print(provenance_card(finding, language))
    return 2 if missing else 0
