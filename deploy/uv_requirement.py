"""Print a pip requirements file that pins uv exactly as uv.lock does, with the hash of every
file uv.lock lists for it.

uv installs everything else from the lock, so uv itself comes first, through the plain pip of
a fresh virtual environment; this keeps that first step hash-checked too
(`pip install --require-hashes --no-deps -r <this output>`). Used by the Makefile and by
deploy/Dockerfile; standard library only, since nothing else is installed yet.

    python deploy/uv_requirement.py [path/to/uv.lock]
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "uv.lock"


def uv_requirement(lock: Path) -> str:
    """`uv==VERSION --hash=...` for the uv that `lock` pins (one version, all its files)."""
    with lock.open("rb") as file:
        packages = tomllib.load(file)["package"]
    pinned = [package for package in packages if package["name"] == "uv"]
    if len(pinned) != 1:
        raise SystemExit(f"{lock.name} must pin one uv (the dev extra); it pins {len(pinned)}")
    (package,) = pinned
    files = [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]
    hashes = sorted(str(file["hash"]) for file in files)
    if not hashes:
        raise SystemExit(f"{lock.name} lists no file hashes for uv")
    return " \\\n".join([f"uv=={package['version']}", *(f"    --hash={h}" for h in hashes)])


if __name__ == "__main__":
    print(uv_requirement(Path(sys.argv[1]) if len(sys.argv) > 1 else LOCK))
