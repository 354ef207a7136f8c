"""The one CI rule for tests that need something from the host (Docker, buildx, perl,
nox, Chromium): without it a test is skipped on a developer's machine, but when CI is
set to 1, true or yes (any case) it FAILS, so a CI run can never look green while
silently testing nothing. Every such test goes through ``unavailable``/``require_tool``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from typing import NoReturn

import pytest

__all__ = ["CI_VALUES", "examples", "in_ci", "require_tool", "unavailable"]

CI_VALUES = ("1", "true", "yes")


def in_ci(env: Mapping[str, str] | None = None) -> bool:
    """Whether this run is CI: ``CI`` is 1, true or yes, in any case."""
    env = os.environ if env is None else env
    return env.get("CI", "").strip().lower() in CI_VALUES


def unavailable(reason: str) -> NoReturn:
    """Skip the test, or fail it under CI."""
    if in_ci():
        pytest.fail(f"CI={os.environ.get('CI')} but {reason}", pytrace=False)
    pytest.skip(reason)


def require_tool(name: str, hint: str = "bash scripts/setup-host.sh installs it") -> None:
    """Skip (or under CI fail) unless the command ``name`` is on PATH."""
    if shutil.which(name) is None:
        unavailable(f"{name} is not installed ({hint})")


def examples(divisor: int = 1) -> int:
    """A property test's example count: the active hypothesis profile's (dev 60, ci 200,
    long 2000; see conftest.py) divided by how costly one example is."""
    from hypothesis import settings

    return max(10, settings.default.max_examples // divisor)
