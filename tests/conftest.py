"""Markers and the docker-required logic shared by every test module.

Tests marked ``docker`` (or ``e2e``) need a Docker daemon. Without one they are skipped
on a developer's machine, but with ``CI=true`` they FAIL: a CI run that silently skipped
every integration test would look green while testing nothing. (The failure happens at
set-up, so pytest counts it as an error; either way the run exits non-zero.)
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from bake.build import host, pipeline
from bake.model.family import load_family
from bake.smoke import suite
from tests.ci import in_ci
from tests.fuzzing import outcomes  # noqa: F401 (the fixture of every property test)

DOCKER_MARKERS = ("docker", "e2e")

# Hypothesis example budgets: "dev" on a developer's machine, "ci" under CI, "long" for a
# hunt (pytest --hypothesis-profile long; nox -s tests-slow). Property tests scale their
# own count from settings.default (tests/ci.py:examples), because each example may run
# buildx. Under CI the examples are the same every run (derandomize: a red run is red
# again on a laptop) and a failure prints the blob that replays it (@reproduce_failure);
# a hunt is random but prints its blob too.
_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}
settings.register_profile("dev", max_examples=60, **_COMMON)  # type: ignore[arg-type]
settings.register_profile(
    "ci",
    max_examples=200,
    derandomize=True,
    print_blob=True,
    **_COMMON,  # type: ignore[arg-type]
)
settings.register_profile(
    "long",
    max_examples=2000,
    derandomize=False,
    print_blob=True,
    **_COMMON,  # type: ignore[arg-type]
)
settings.load_profile("ci" if in_ci() else "dev")


@functools.cache
def docker_unavailable() -> str | None:
    """Why docker cannot be used here, or None when its daemon answers."""
    if shutil.which("docker") is None:
        return "the docker CLI is not installed (bash scripts/setup-host.sh installs it)"
    try:
        proc = subprocess.run(
            ["docker", "version", "--format", "{{.Server.Version}}"],
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return "the Docker daemon did not answer within 30 s"
    if proc.returncode != 0:
        return f"the Docker daemon does not answer: {proc.stderr.strip() or proc.stdout.strip()}"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before any fixture runs (fixtures of docker tests may call docker themselves)."""
    if not any(item.get_closest_marker(m) for m in DOCKER_MARKERS):
        return
    reason = docker_unavailable()
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"CI=true and this test needs Docker, but {reason}", pytrace=False)
    pytest.skip(reason)


REPO = Path(__file__).resolve().parent.parent


def _firefox(platforms: tuple[str, ...] = ()) -> tuple[str, tuple[suite.Outcome, ...]]:
    """`test-base` then `test-firefox` on the reference family, for real (every platform,
    or ``platforms``): built and smoke-tested, under QEMU when foreign (the second build
    reuses the base). Firefox's local ref and every outcome."""
    options = pipeline.Options.from_env(os.environ)
    results: list[suite.Outcome] = []
    for selection in ("base", "firefox"):
        plan = pipeline.make_plan(
            REPO / "family.yaml", selection, options=options, env=os.environ, platforms=platforms
        )
        results += pipeline.test(plan)
    return plan.refs(plan.family.image("firefox"))[0], tuple(results)


@pytest.fixture(scope="session")
def reference_firefox() -> tuple[str, tuple[suite.Outcome, ...]]:
    """Base and firefox for all three platforms (the slow reference-family test)."""
    return _firefox()


@pytest.fixture(scope="session")
def native_firefox() -> tuple[str, tuple[suite.Outcome, ...]]:
    """Base and firefox for this machine's own platform only: what the end-to-end desktop
    test runs, whose checks do not depend on the platform (three platforms under QEMU are
    the slow reference-family test's, and the tiny family's in the default run)."""
    platforms = load_family(REPO / "family.yaml").config.platforms
    native = [p for p in platforms if p not in host.foreign_platforms(platforms)]
    assert native, f"this machine runs none of {platforms} natively"
    return _firefox((native[0],))
