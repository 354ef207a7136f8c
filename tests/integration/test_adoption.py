"""Another repository adopts neko-bake: the built wheel, installed into a fresh venv, runs
generate, check, list, graph and a real build + QEMU test of a tiny family from a temp git
repository with its own layout, its own family.yaml, Dockerfiles that name their parent as
an image reference (``ARG BASE_IMAGE=…`` + ``FROM $BASE_IMAGE``), and a two-line noxfile.

Nothing here imports this checkout's ``bake/``: every command runs the installed copy, so
a file missing from the wheel (package data included) fails the test.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "adopt"
REGISTRY = "127.0.0.1:5000/t-package-adopt"
NOXFILE = "import bake.nox_sessions\nbake.nox_sessions.register()\n"
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "bake")


def _sources_digest() -> str:
    digest = hashlib.sha256()
    for name in SOURCES:
        path = ROOT / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts:
                continue
            digest.update(file.relative_to(ROOT).as_posix().encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def wheel(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of this checkout, built from a clean copy (cached by content)."""
    cache = request.config.cache
    assert cache is not None
    folder = cache.mkdir(f"neko-bake-wheel-{_sources_digest()}")
    built = sorted(folder.glob("neko_bake-*.whl"))
    if built:
        return built[0]
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, source / name)  # type: ignore[operator]
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(source)])
    return next(folder.glob("neko_bake-*.whl"))


@pytest.fixture(scope="session")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel (and its runtime dependencies from the index)."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True).create(env_dir)
    _run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)])
    return env_dir / "bin"


@pytest.fixture()
def adopter(tmp_path: Path) -> Path:
    """A git repository of someone else's family: its files and a two-line noxfile."""
    repo = tmp_path / "their-images"
    shutil.copytree(FIXTURE, repo)
    (repo / "noxfile.py").write_text(NOXFILE)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    _run(["git", "init", "-q"], cwd=repo)
    _run([*git, "add", "-A"], cwd=repo)
    _run([*git, "commit", "-q", "-m", "their family"], cwd=repo)
    return repo


def _run(cmd: list[str], cwd: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BAKE_CONFIG")}
    env["REGISTRY"] = REGISTRY
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{cmd} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


@pytest.mark.docker
def test_another_repository_adopts_the_installed_tool(installed: Path, adopter: Path) -> None:
    bake = str(installed / "neko-bake")
    where = _run([str(installed / "python"), "-c", "import bake; print(bake.__file__)"], adopter)
    assert "site-packages" in where and str(ROOT) not in where

    assert "wrote" in _run([bake, "generate"], adopter)
    for name in ("docker-bake.hcl", "docker-bake.json", "family.schema.json"):
        assert (adopter / name).is_file(), name
    assert "up to date" in _run([bake, "check"], adopter)
    listing = _run([bake, "list"], adopter)
    assert "shout" in listing and "turbo-hello" in listing
    assert "flowchart TD" in _run([bake, "graph"], adopter)

    sessions = _run([str(installed / "nox"), "-l"], adopter)
    for name in ("build-hello", "test-all", "push-shout", "generate", "check", "lint"):
        assert f" {name} " in sessions, name

    linted = _run([str(installed / "nox"), "-s", "check", "lint"], adopter)
    assert "Session lint was successful" in linted

    # A real build and QEMU smoke test through the session, then the CLI verb (cached).
    tested = _run([str(installed / "nox"), "-s", "test-all", "--", f"REGISTRY={REGISTRY}"], adopter)
    assert "smoke tests: all passed (10 of 10 image × platform cells passed" in tested
    built = _run([bake, "build", "shout", f"REGISTRY={REGISTRY}"], adopter)
    assert "build: shout built and loaded" in built
