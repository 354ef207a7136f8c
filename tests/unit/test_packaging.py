"""Packaging metadata: one list of dependencies, the console script, the license, and the
package data an installed copy needs. (The adoption test installs the real wheel.)"""

from __future__ import annotations

import tomllib
from pathlib import Path

from bake import sbom

ROOT = Path(__file__).resolve().parents[2]


def _pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _requirements(name: str) -> list[str]:
    lines = (ROOT / name).read_text().splitlines()
    entries = [line.split("#")[0].strip() for line in lines]
    return [entry for entry in entries if entry and not entry.startswith("-r ")]


def test_requirements_files_are_the_runtime_dependencies_and_the_test_extra() -> None:
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    assert _requirements("requirements-runtime.txt") == project["dependencies"]
    assert _requirements("requirements.txt") == project["optional-dependencies"]["test"]
    assert "-r requirements-runtime.txt" in (ROOT / "requirements.txt").read_text()
    runtime = {d.split(">")[0].split("<")[0].lower() for d in project["dependencies"]}
    assert runtime == {"nox", "python-hcl2", "pyyaml"}


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
