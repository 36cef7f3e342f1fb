"""Fetch the public C2PA trust list into the package: `make trust-list`.

    python deploy/trust_list.py core/provenance/trust/C2PA-TRUST-LIST.pem

Keeps only the blocks that parse as X.509 certificates (each under a comment naming its
subject) and prints a line per certificate; exits 1 when none could be read.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import httpx
from cryptography import x509

LIST_URL = (
    "https://raw.githubusercontent.com/c2pa-org/conformance-public/main/trust-list/"
    "C2PA-TRUST-LIST.pem"
)
_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)


def main(out: Path) -> int:
    response = httpx.get(LIST_URL, timeout=30, follow_redirects=True)
    response.raise_for_status()
    kept = []
    for block in _BLOCK.findall(response.text):
        try:
            certificate = x509.load_pem_x509_certificate(block.encode())
        except ValueError:
            print(f"skipped a block that is not a certificate ({len(block)} chars)")
            continue
        subject = certificate.subject.rfc4514_string()
        print(f"kept: {subject} (until {certificate.not_valid_after_utc:%Y-%m-%d})")
        kept.append(f"# {subject}\n{block}\n")
    if not kept:
        print("no certificate could be read: nothing written", file=sys.stderr)
        return 1
    out.write_text("".join(kept), encoding="ascii")
    print(f"{len(kept)} trust anchors written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
