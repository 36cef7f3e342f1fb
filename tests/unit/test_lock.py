"""uv.lock agrees with pyproject.toml and pins every file by its hash, checked offline.

`make` installs with `uv sync --locked`, which refuses a lock that disagrees with
pyproject.toml; these tests name the disagreement without a registry: a dependency, extra or
range in one file and not the other (fix: `make lock`, and commit both files together).
"""

from __future__ import annotations

import copy
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]

# (name, extras, version range, the extra of the project that asks for it, or "" for always)
Wanted = tuple[str, tuple[str, ...], str, str]


def load(name: str) -> dict[str, Any]:
    with (ROOT / name).open("rb") as file:
        return tomllib.load(file)


def declared(pyproject: dict[str, Any]) -> set[Wanted]:
    """What pyproject.toml asks for: its dependencies and those of each optional extra."""
    project = pyproject["project"]
    groups = {"": project.get("dependencies", []), **project.get("optional-dependencies", {})}
    wanted: set[Wanted] = set()
    for extra, lines in groups.items():
        for line in lines:
            req = Requirement(line)
            wanted.add(
                (canonicalize_name(req.name), tuple(sorted(req.extras)), str(req.specifier), extra)
            )
    return wanted


def locked(lock: dict[str, Any], project: str) -> set[Wanted]:
    """What uv.lock was resolved for: the project's requirements as uv recorded them."""
    (root,) = [package for package in lock["package"] if package["name"] == project]
    wanted: set[Wanted] = set()
    for entry in root["metadata"].get("requires-dist", []):
        marker = entry.get("marker", "")
        extra = marker.split("extra == '", 1)[1].split("'", 1)[0] if "extra ==" in marker else ""
        wanted.add(
            (
                canonicalize_name(entry["name"]),
                tuple(sorted(entry.get("extras", []))),
                str(SpecifierSet(entry.get("specifier", ""))),
                extra,
            )
        )
    return wanted


def disagreements(pyproject: dict[str, Any], lock: dict[str, Any]) -> list[str]:
    """Each way the two files differ, in words; empty when the lock is pyproject's."""
    project = pyproject["project"]
    problems = []
    ours, theirs = declared(pyproject), locked(lock, canonicalize_name(project["name"]))
    for name, extras, spec, extra in sorted(ours - theirs):
        problems.append(f"pyproject.toml asks for {name}{list(extras) or ''}{spec} [{extra}]")
    for name, extras, spec, extra in sorted(theirs - ours):
        problems.append(f"uv.lock was made for {name}{list(extras) or ''}{spec} [{extra}]")
    if lock["requires-python"] != project["requires-python"]:
        problems.append(f"requires-python differs: {lock['requires-python']} in uv.lock")
    (root,) = [p for p in lock["package"] if p["name"] == canonicalize_name(project["name"])]
    if sorted(root["metadata"].get("provides-extras", [])) != sorted(
        project.get("optional-dependencies", {})
    ):
        problems.append("the extras differ")
    return problems


def test_the_lock_was_made_from_this_pyproject() -> None:
    assert disagreements(load("pyproject.toml"), load("uv.lock")) == [], "run `make lock`"


def test_a_dependency_in_one_file_only_is_named() -> None:
    pyproject, lock = load("pyproject.toml"), load("uv.lock")

    added = copy.deepcopy(pyproject)
    added["project"]["dependencies"].append("six>=1.16")
    assert disagreements(added, lock) == ["pyproject.toml asks for six>=1.16 []"]

    narrowed = copy.deepcopy(pyproject)
    dev = narrowed["project"]["optional-dependencies"]["dev"]
    dev[:] = ["pytest>=9,<10" if line.startswith("pytest>") else line for line in dev]
    assert "pyproject.toml asks for pytest<10,>=9 [dev]" in disagreements(narrowed, lock)

    dropped = copy.deepcopy(pyproject)
    dropped["project"]["dependencies"] = [
        line for line in pyproject["project"]["dependencies"] if not line.startswith("saq")
    ]
    assert disagreements(dropped, lock) == ["uv.lock was made for saq<0.27,>=0.26.4 []"]


def test_every_locked_file_is_pinned_by_its_hash() -> None:
    files = 0
    for package in load("uv.lock")["package"]:
        if "registry" not in package["source"]:
            continue  # the project itself, installed from this checkout
        sdist = [package["sdist"]] if "sdist" in package else []
        for file in [*package.get("wheels", []), *sdist]:
            assert str(file.get("hash", "")).startswith("sha256:"), (package["name"], file)
            files += 1
        assert package.get("wheels") or package.get("sdist"), package["name"]
    assert files > 100


def test_uv_itself_is_installed_at_the_locked_version_and_hashes() -> None:
    (uv,) = [package for package in load("uv.lock")["package"] if package["name"] == "uv"]
    printed = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "uv_requirement.py"), str(ROOT / "uv.lock")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = [line.strip(" \\") for line in printed.splitlines()]
    assert lines[0] == f"uv=={uv['version']}"
    files = [*uv["wheels"], uv["sdist"]]
    assert sorted(lines[1:]) == sorted(f"--hash={file['hash']}" for file in files)
