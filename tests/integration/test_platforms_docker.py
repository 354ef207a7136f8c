"""Each row of the platform table end to end: its architecture check passes in a real
container of that platform (under QEMU when foreign)."""

from __future__ import annotations

import subprocess

import pytest

from bake.build import host
from bake.model import platforms
from bake.smoke import containers, suite


@pytest.mark.docker
@pytest.mark.parametrize("platform", platforms.names())
def test_architecture_check_passes_in_a_real_container(platform: str) -> None:
    """Every row end to end: a Debian container of that platform (under QEMU when foreign)
    prints exactly the machine and dpkg architecture the table says."""
    image = "debian:bookworm-slim"
    subprocess.run(
        ["docker", "pull", "-q", "--platform", platform, image], check=True, capture_output=True
    )
    host.check_binfmt([platform])
    (outcome,) = containers.run_checks([suite.arch_check("debian", platform, image)], timeout=120)
    assert outcome.passed, (outcome.reason, outcome.output)
