"""Packaging metadata: one list of dependencies, the console script, the license, and the
package data an installed copy needs. (The adoption test installs the real wheel.)"""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bake import sbom

ROOT = Path(__file__).resolve().parents[2]


def _pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _pins(name: str) -> dict[str, tuple[str, int]]:
    """A hash lock (``uv pip compile --generate-hashes``): name → (version, hash count)."""
    pins: dict[str, tuple[str, int]] = {}
    current = ""
    for line in (ROOT / name).read_text().splitlines():
        entry = line.split("#")[0].strip()
        if "==" in entry and not line.startswith(" "):
            current, _, version = entry.split(";")[0].rstrip(" \\").partition("==")
            current = canonicalize_name(current)
            pins[current] = (version.strip(), 0)
        elif entry.startswith("--hash=sha256:") and current:
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def test_the_locks_pin_every_dependency_with_hashes() -> None:
    """requirements-runtime.txt locks the runtime dependencies, requirements.txt those and
    the test extra: every pin exact, with hashes, and within pyproject's ranges."""
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    runtime, everything = _pins("requirements-runtime.txt"), _pins("requirements.txt")
    direct = {
        "requirements-runtime.txt": project["dependencies"],
        "requirements.txt": [*project["dependencies"], *project["optional-dependencies"]["test"]],
    }
    for name, pins in (("requirements-runtime.txt", runtime), ("requirements.txt", everything)):
        assert pins and all(hashes for _, hashes in pins.values()), name
        for text in direct[name]:
            wanted = Requirement(text)
            version, _ = pins[canonicalize_name(wanted.name)]
            assert wanted.specifier.contains(version, prereleases=True), (name, text, version)
    assert {k: v[0] for k, v in runtime.items()} == {
        k: everything[k][0] for k in runtime
    }  # the same versions in both locks
    names = {Requirement(d).name.lower() for d in project["dependencies"]}
    assert names == {"nox", "python-hcl2", "pyyaml"}


def test_console_script_license_and_metadata() -> None:
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    assert project["scripts"] == {"neko-bake": "bake.cli:main"}
    assert project["license"] == "Apache-2.0"
    assert "Apache License" in (ROOT / "LICENSE").read_text()
    assert project["urls"] and project["classifiers"] and project["requires-python"]


def test_sbom_generator_context_is_package_data() -> None:
    assert sbom.SCANNER_DIR == ROOT / "bake" / "data" / "sbom-scanner"
    assert (sbom.SCANNER_DIR / "Dockerfile").is_file()
    package_data = _pyproject()["tool"]["setuptools"]["package-data"]["bake"]  # type: ignore[index]
    assert "data/**/*" in package_data


def test_version_is_one_fact() -> None:
    pyproject = _pyproject()
    assert pyproject["project"]["dynamic"] == ["version"]  # type: ignore[index]
    dynamic = pyproject["tool"]["setuptools"]["dynamic"]  # type: ignore[index]
    assert dynamic == {"version": {"attr": "bake.__version__"}}
