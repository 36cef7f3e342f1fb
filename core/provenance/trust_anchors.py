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
    path = Path(setting) if setting.strip() else BUNDLED
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("C2PA trust anchors unreadable, no signer will be trusted: %s", exc)
        return None
    return text if "BEGIN CERTIFICATE" in text else None
