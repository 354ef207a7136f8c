"""Smoke tests: every declared test, plus an architecture check, for every image × platform,
run in the loaded image under QEMU (``docker run --platform``).

A test the family marks ``per-platform: false`` does not depend on the CPU (a file's
content, a package's version, the user): it runs once per image, on the platform this
machine runs natively if the image has it (no QEMU), else on the image's first platform.
Every image × platform still runs its architecture check, and every other test.

Planning (``plan_checks``) and judging (``judge``) are pure; ``bake.smoke.batch`` runs all checks
of one image × platform in one container and ``bake.smoke.containers`` starts those. ``--pull
never`` makes sure the image tested is the one just built and loaded, never a same-named
image fetched from the registry.
"""

from __future__ import annotations

import platform as _platform
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bake.core import run
from bake.model import platforms
from bake.model.family import Image

__all__ = [
    "Check",
    "Outcome",
    "arch_check",
    "judge",
    "once_platform",
    "plan_checks",
]

ARCH_CHECK = "architecture"
ARCH_SCRIPT = 'echo "uname=$(uname -m) dpkg=$(dpkg --print-architecture)"'
OUTPUT_LIMIT = 4000  # characters of output kept per check (the tail), for the report


@dataclass(frozen=True)
class Check:
    """One command to run in one image on one platform, and what its output must match."""

    image: str
    platform: str
    ref: str
    name: str
    script: str
    expect: str | None = None
    origin: str = ""  # the image that declared the test ("" for the architecture check)


@dataclass(frozen=True)
class Outcome:
    """How one check went."""

    check: Check
    passed: bool
    seconds: float
    returncode: int
    output: str  # stdout+stderr (tail)
    reason: str = ""  # why it failed, one line


def arch_check(image: str, platform: str, ref: str) -> Check:
    """``uname -m`` and ``dpkg --print-architecture`` must name the platform's architecture."""
    row = platforms.get(platform)  # validation admits only platforms the table knows
    uname, dpkg = row.machine, row.dpkg
    expect = rf"(?m)^uname={re.escape(uname)} dpkg={re.escape(dpkg)}$"
    return Check(image, platform, ref, ARCH_CHECK, ARCH_SCRIPT, expect)


def once_platform(image_platforms: Sequence[str], machine: str | None = None) -> str:
    """Where a ``per-platform: false`` test runs: the first of the image's platforms this
    CPU (``uname -m``) runs natively, else the image's first platform."""
    native = set(platforms.by_machine(machine or _platform.machine()))
    return next((p for p in image_platforms if p in native), image_platforms[0])


def plan_checks(
    images: Sequence[Image], refs: Callable[[Image], Sequence[str]], machine: str | None = None
) -> tuple[Check, ...]:
    """Image × platform × (architecture check, then the image's tests), in build order; a
    ``per-platform: false`` test only on the image's ``once_platform``."""
    checks: list[Check] = []
    for image in images:
        ref = refs(image)[0]
        once = once_platform(image.platforms, machine) if image.platforms else ""
        for platform in image.platforms:
            checks.append(arch_check(image.name, platform, ref))
            checks += [
                Check(image.name, platform, ref, t.name, t.run, t.expect, t.origin)
                for t in image.tests
                if t.per_platform or platform == once
            ]
    return tuple(checks)


def judge(check: Check, returncode: int, output: str, seconds: float) -> Outcome:
    """Exit 0 is required, and ``expect`` (a regex) must be found in stdout+stderr."""
    reason = ""
    if returncode == run.TIMEOUT_EXIT:
        reason = "timed out"
    elif returncode != 0:
        reason = f"exit code {returncode}"
    elif check.expect is not None and not re.search(check.expect, output):
        reason = f"output does not match /{check.expect}/"
    tail = output if len(output) <= OUTPUT_LIMIT else "…" + output[-OUTPUT_LIMIT:]
    return Outcome(check, not reason, seconds, returncode, tail, reason)
