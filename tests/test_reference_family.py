"""The reference family for real: `test-firefox` builds base + firefox for amd64, arm64
and arm/v7 and runs every smoke test under QEMU (the CI budget allows this pair; the
whole family is `nox -s test-all`)."""

from __future__ import annotations

import pytest

from bake import smoke

pytestmark = pytest.mark.docker


def test_firefox_passes_every_check_on_every_platform(
    reference_firefox: tuple[str, tuple[smoke.Outcome, ...]],
) -> None:
    _, outcomes = reference_firefox
    assert outcomes and all(o.passed for o in outcomes)
    ran = {(o.check.image, o.check.platform, o.check.name) for o in outcomes}
    for image in ("base", "firefox"):
        for platform in ("linux/amd64", "linux/arm64", "linux/arm/v7"):
            assert (image, platform, smoke.ARCH_CHECK) in ran
    assert ("firefox", "linux/arm/v7", "firefox-version") in ran
