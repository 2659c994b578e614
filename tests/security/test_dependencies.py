"""Issue 12, item 10: the dependency minimums exclude releases with known advisories, and the lock file that
`make install` installs from pins every dependency, with hashes, within what pyproject.toml allows."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

# The first release with the fix of each advisory the audit found, and the release before it.
FIXED = {"aiohttp": Version("3.12.14"), "pillow": Version("10.3.0")}
LAST_VULNERABLE = {"aiohttp": Version("3.12.13"), "pillow": Version("10.2.0")}
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;]+)")


def declared(project_root: Path) -> list[Requirement]:
    project = tomllib.loads((project_root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(line) for line in [*project["dependencies"], *project["optional-dependencies"]["test"]]]


def locked(project_root: Path) -> dict[str, tuple[Version, list[str]]]:
    """Each pinned package: its version and its hashes (the lines of one entry up to the next pin)."""
    pins: dict[str, tuple[Version, list[str]]] = {}
    current: list[str] = []
    for line in (project_root / "requirements.lock").read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            current = []
            pins[canonicalize_name(match[1])] = (Version(match[2]), current)
        current.extend(re.findall(r"--hash=sha256:([0-9a-f]{64})", line))
    return pins


def test_minimums_exclude_releases_with_known_advisories(project_root: Path) -> None:
    for requirement in declared(project_root):
        name = canonicalize_name(requirement.name)
        if name in FIXED:
            below = LAST_VULNERABLE[name]
            assert not requirement.specifier.contains(below), f"{requirement} allows {below}"
            assert requirement.specifier.contains(FIXED[name]), f"{requirement} refuses the fixed {FIXED[name]}"


def test_the_lock_pins_every_declared_dependency_within_its_range_with_hashes(project_root: Path) -> None:
    pins = locked(project_root)
    for requirement in declared(project_root):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run make lock"
        version, _hashes = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), f"{name}=={version} outside {requirement}"
    assert all(hashes for _version, hashes in pins.values())


def test_make_install_installs_the_lock_with_hashes(project_root: Path) -> None:
    makefile = (project_root / "Makefile").read_text(encoding="utf-8")
    assert "--require-hashes -r $(LOCK)" in makefile
    assert "--no-deps -e ." in makefile
