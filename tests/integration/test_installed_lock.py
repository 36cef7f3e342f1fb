"""The environment the suite runs in is exactly uv.lock: what CI tests is what the lock pins,
and so what the image installs."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import distributions
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
# Not named by the lock: the project itself, and the pip of the plain venv that installed uv.
NOT_LOCKED = {"clipbridge", "pip"}


def locked_for_this_python() -> dict[str, str]:
    """{name: version} the lock pins for this interpreter and platform, dev extra included."""
    uv = Path(sys.executable).parent / "uv"
    options = ["--frozen", "--extra", "dev", "--no-hashes", "--no-header", "--no-annotate"]
    exported = subprocess.run(
        [str(uv), "export", *options, "--no-emit-project", "--format", "requirements-txt"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pins: dict[str, str] = {}
    for line in exported.splitlines():
        if not line.strip() or line.startswith(("#", "-")):
            continue
        pin, _, marker = line.partition(";")
        if marker.strip() and not Marker(marker.strip()).evaluate():
            continue
        name, _, version = pin.strip().partition("==")
        pins[canonicalize_name(name)] = version
    return pins


def test_every_installed_package_is_the_one_the_lock_pins() -> None:
    installed = {
        canonicalize_name(dist.metadata["Name"]): dist.version
        for dist in distributions()
        if canonicalize_name(dist.metadata["Name"]) not in NOT_LOCKED
    }
    locked = locked_for_this_python()
    assert len(locked) > 50
    assert installed == locked, "the venv is not the lock: run `make` (uv sync --locked)"
