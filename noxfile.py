"""nox sessions for the reference family (bake.front.nox_sessions) and this repository's chores.

    nox -l                       # the catalogue (nox -l --json for a CI matrix)
    nox -s build-firefox         # build one image (its base via bake contexts)
    nox -s test-nvidia           # build + QEMU smoke tests of a group
    nox -s push-all -- REGISTRY=127.0.0.1:5000/neko TAG=dev   # NAME=value sets a bake variable
    nox -s build-base -- --no-cache                           # anything else goes to buildx
    nox -t test                  # every session tagged "test"

Sessions drive docker and need no virtualenv of their own (python=False): the tool's
dependencies and this repository's test tools are installed from requirements.txt by
scripts/setup-host.sh into its virtual environment, which links only ``nox`` onto PATH.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nox

sys.path.insert(0, str(Path(__file__).resolve().parent))  # this checkout's bake/

from bake.front import (
    lint,  # noqa: E402
    nox_sessions,  # noqa: E402
)
from tests import lockfile  # noqa: E402

PYTHON = sys.executable
ROOT = Path(__file__).resolve().parent
# nox's own environment comes first on PATH, as if activated: the lint and test tools
# (hadolint, shellcheck, actionlint, ...) are installed next to its interpreter.
os.environ["PATH"] = os.pathsep.join([str(Path(PYTHON).parent), os.environ.get("PATH", "")])
SHELL_SCRIPTS = [
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scripts").iterdir() if p.is_file()),
    ".ci/run",
]
nox_sessions.register(
    default=("check", "lint", "tests"),
    lint=lambda family: [
        ["hadolint", *lint.dockerfiles(family)],
        ["shellcheck", *SHELL_SCRIPTS],
        [PYTHON, "-m", "ruff", "check", "."],
        [PYTHON, "-m", "ruff", "format", "--check", "."],
        [PYTHON, "-m", "mypy"],
        *lint.workflow_commands(ROOT),  # actionlint and zizmor on .github/workflows
        [PYTHON, "-m", "tests.lockfile"],  # the locks still say what pyproject.toml asks
    ],
)


@nox.session(python=False, tags=["tests", "ci"], default=True)
def tests(session: nox.Session) -> None:
    """Run the pytest suite but its slow tests (docker tests skip without a daemon, fail if CI=true)"""
    # Any exit but 0 fails the session, 5 (no test collected) included: a run that selects
    # nothing is not a green run (tests/integration/test_ci_rule.py).
    session.run(PYTHON, "-m", "pytest", "-m", "not slow", *session.posargs)


@nox.session(name="tests-slow", python=False, tags=["slow"], default=False)
def tests_slow(session: nox.Session) -> None:
    """The slow tests and every property test with the long hypothesis profile (weekly CI)"""
    profile = ["--hypothesis-profile", "long"]
    session.run(PYTHON, "-m", "pytest", "-m", "slow or hypothesis", *profile, *session.posargs)


@nox.session(python=False, tags=["deps"], default=False)
def lock(session: nox.Session) -> None:
    """Re-lock requirements*.txt from pyproject.toml with uv (-- --upgrade: newest releases)"""
    for name in lockfile.LOCKS:
        session.run(*lockfile.compile_command(name), "--quiet", *session.posargs, external=True)
    session.run(PYTHON, "-m", "tests.lockfile")


@nox.session(python=False, tags=["bench"], default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks P1-P6 as ratios to their baselines, one table (-- --quick: CI's small run)"""
    session.run(PYTHON, "benchmarks/bench.py", *session.posargs)


@nox.session(name="setup-host", python=False, tags=["setup"], default=False)
def setup_host(session: nox.Session) -> None:
    """Install Docker, buildx, QEMU binfmt and the local registry (scripts/setup-host.sh)"""
    session.run("bash", "scripts/setup-host.sh", *session.posargs, external=True)
