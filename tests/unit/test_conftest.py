"""The docker-required rule of tests/conftest.py: skip without Docker, but fail in CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONFTEST = Path(__file__).parents[1] / "conftest.py"
SAMPLE = """
import pytest

@pytest.mark.docker
def test_needs_docker():
    pass

def test_plain():
    pass
"""


def _run(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    shutil.copy(CONFTEST, tmp_path / "conftest.py")
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    docker: d\n    e2e: e\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PATH"] = str(tmp_path)  # no docker CLI on it
    env["PYTHONPATH"] = str(CONFTEST.parent.parent)  # the conftest imports bake
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )


def test_without_docker_a_docker_test_is_skipped(tmp_path: Path) -> None:
    proc = _run(tmp_path, None)
    assert proc.returncode == 0, proc.stdout
    assert "1 passed, 1 skipped" in proc.stdout
    assert "the docker CLI is not installed" in proc.stdout


@pytest.mark.parametrize("ci", ["true", "1"])
def test_in_ci_a_missing_docker_fails(tmp_path: Path, ci: str) -> None:
    proc = _run(tmp_path, ci)
    assert proc.returncode == 1, proc.stdout
    assert "1 passed, 1 error" in proc.stdout
    assert "CI=true and this test needs Docker" in proc.stdout


def test_ci_examples_are_reproducible() -> None:
    """Under CI the same examples every run, and a failure prints its replay blob."""
    from hypothesis import settings

    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.print_blob and ci.deadline is None
    long = settings.get_profile("long")
    assert not long.derandomize and long.print_blob  # a hunt: new examples, replayable
