"""The C2PA trust anchors a signature is verified against, offline.

By default the public C2PA trust list that ships with the package (``trust/``; where it comes
from and how to refresh it: README, "Provenance"); a setting may name another PEM bundle, or
"none" to trust no signer (every signature is then reported intact-but-untrusted at best).
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

BUNDLED = Path(__file__).parent / "trust" / "C2PA-TRUST-LIST.pem"


@cache
def trust_anchors(setting: str = "") -> str | None:
    """The PEM text of the anchors `setting` names ("" the bundled list, "none" none)."""
    if setting.strip().lower() == "none":
        return None
    if not setting.strip():  # the bundled list, when `make trust-list` has fetched it
        return _read(BUNDLED) if BUNDLED.is_file() else None
    text = _read(Path(setting))
    if text is None:  # a list named on purpose and unusable: the operator should know
        log.warning("C2PA_TRUST_ANCHORS names no readable PEM file: no signer will be trusted")
    return text


def _read(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None
    return text if "BEGIN CERTIFICATE" in text else None
