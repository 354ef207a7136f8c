"""The reference family for real: base, firefox and chromium built for amd64, arm64 and
arm/v7 and every smoke test run under QEMU, as `nox -s test-<name>` does (the whole
family is `nox -s test-all`).

Slow: a cold build of the three takes well over half of CI's 40-minute budget on a 2-core
machine, so these run in `nox -s tests-slow` (weekly). The default run keeps the same
pipeline on three platforms with the tiny and YAML-app families, and the desktop
end-to-end test on firefox built for the machine's own platform."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bake.build import pipeline
from bake.smoke import suite

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.timeout(3600)]


def test_firefox_passes_every_check_on_every_platform(
    reference_firefox: tuple[str, tuple[suite.Outcome, ...]],
) -> None:
    _, outcomes = reference_firefox
    assert outcomes and all(o.passed for o in outcomes)
    ran = {(o.check.image, o.check.platform, o.check.name) for o in outcomes}
    for image in ("base", "firefox"):
        for platform in ("linux/amd64", "linux/arm64", "linux/arm/v7"):
            assert (image, platform, suite.ARCH_CHECK) in ran
    assert ("firefox", "linux/arm/v7", "firefox-version") in ran


def test_chromium_passes_every_check_on_every_platform() -> None:
    family_file = Path(__file__).resolve().parents[2] / "family.yaml"
    plan = pipeline.make_plan(
        family_file, "chromium", options=pipeline.Options.from_env(os.environ), env=os.environ
    )
    outcomes = pipeline.test(plan)
    cells = {(o.check.platform, o.check.name) for o in outcomes if o.passed}
    for platform in ("linux/amd64", "linux/arm64", "linux/arm/v7"):
        assert (platform, suite.ARCH_CHECK) in cells
        assert (platform, "chromium-version") in cells
    assert all(o.passed for o in outcomes)
