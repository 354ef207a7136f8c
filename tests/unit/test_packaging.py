"""Packaging metadata: open dependency ranges and fresh hash-pinned locks of them, the console script, the license, and the
package data an installed copy needs. (The adoption test installs the real wheel.)"""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from bake.publish import sbom
from tests import lockfile

ROOT = Path(__file__).resolve().parents[2]


def _pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_locks_are_fresh() -> None:
    """Both locks pin, with hashes, a version of every dependency pyproject.toml asks for
    that satisfies its range, and were written by `nox -s lock`'s commands."""
    for name in lockfile.LOCKS:
        assert lockfile.problems(ROOT, name) == [], f"{name} is stale: run nox -s lock"
    assert lockfile.main([str(ROOT)]) == 0


def test_the_runtime_lock_is_the_runtime_only() -> None:
    runtime, _ = lockfile.parse((ROOT / "requirements-runtime.txt").read_text())
    full, _ = lockfile.parse((ROOT / "requirements.txt").read_text())
    assert {"nox", "pyyaml"} <= {e.name for e in runtime}
    assert not {"pytest", "hypothesis", "mypy", "ruff", "uv"} & {e.name for e in runtime}
    assert not {"python-hcl2", "lark"} & {e.name for e in runtime}, "a test oracle only"
    assert {(e.name, e.version) for e in runtime} <= {(e.name, e.version) for e in full}
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    runtime_names = {req.name for req in lockfile.requirements(_pyproject(), ())}
    assert runtime_names == {"nox", "pyyaml"}
    assert all(">=" in dep for dep in project["dependencies"]), "open ranges for adopters"


def _stale_copy(tmp_path: Path, edit: Callable[[str, str], tuple[str, str]]) -> list[str]:
    """The problems of both locks after ``edit(pyproject, requirements.txt)`` in a copy."""
    pyproject, lock = edit(
        (ROOT / "pyproject.toml").read_text(), (ROOT / "requirements.txt").read_text()
    )
    (tmp_path / "pyproject.toml").write_text(pyproject)
    (tmp_path / "requirements.txt").write_text(lock)
    shutil.copy(ROOT / "requirements-runtime.txt", tmp_path)
    found = [p for name in lockfile.LOCKS for p in lockfile.problems(tmp_path, name)]
    assert lockfile.main([str(tmp_path)]) == (1 if found else 0)
    return found


def _pin(lock: str, name: str) -> str:
    return next(line for line in lock.splitlines() if line.startswith(f"{name}=="))


STALE = {
    "a new dependency": (
        lambda py, lock: (py.replace('"pytest>=8",', '"pytest>=8", "tomlkit>=0.13",'), lock),
        "requirements.txt: tomlkit>=0.13 (pyproject.toml) is not locked",
    ),
    "a raised floor": (
        lambda py, lock: (py.replace('"pytest>=8"', '"pytest>=99"'), lock),
        "is outside pytest>=99 (pyproject.toml)",
    ),
    "a new runtime dependency": (
        lambda py, lock: (py.replace('"pyyaml>=6.0",', '"pyyaml>=6.0", "rich",'), lock),
        "requirements-runtime.txt: rich (pyproject.toml) is not locked",
    ),
    "a dropped dependency": (
        lambda py, lock: (py.replace('"zizmor>=1.20",', ""), lock),
        "zizmor is locked as a dependency of pyproject.toml, which no longer asks for it",
    ),
    "a line without hashes": (
        lambda py, lock: (py, lock.replace(_pin(lock, "pytest"), _pin(lock, "pytest")[:-2])),
        "has no --hash=sha256:",
    ),
    "an unpinned line": (
        lambda py, lock: (py, lock + "requests>=2\n"),
        "requests>=2 is not pinned with ==",
    ),
    "another command": (
        lambda py, lock: (py, lock.replace(" --universal", "", 1)),
        "requirements.txt: the header's command is not 'uv pip compile pyproject.toml --extra",
    ),
}


@pytest.mark.parametrize("case", sorted(STALE))
def test_a_stale_lock_is_caught(case: str, tmp_path: Path) -> None:
    edit, expected = STALE[case]
    found = _stale_copy(tmp_path, edit)
    assert any(expected in problem for problem in found), found


def test_an_untouched_copy_is_fresh(tmp_path: Path) -> None:
    assert _stale_copy(tmp_path, lambda py, lock: (py, lock)) == []


def test_lock_session_runs_the_header_commands() -> None:
    """`nox -s lock` writes what the check expects (the header records the command)."""
    for name in lockfile.LOCKS:
        header = (ROOT / name).read_text().splitlines()[1]
        assert header == "#    " + " ".join(lockfile.compile_command(name))
    assert "lockfile.compile_command(name)" in (ROOT / "noxfile.py").read_text()


def test_console_script_license_and_metadata() -> None:
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    assert project["scripts"] == {"neko-bake": "bake.front.cli:main"}
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
