"""Which CI runner builds each platform, and whether it has to emulate it with QEMU.

The defaults are one small table (GitHub's hosted runners: x86-64 and, since 2025, native
arm64); a family overrides them under the top-level ``ci.runners`` key of its YAML:

    ci:
      runners:
        linux/amd64: my-x64-runner                        # a runner that runs it natively
        linux/arm/v7: {runner: my-arm-runner, emulated: true}

Read here (shape and values, with file:line errors); used by ``bake.ci.plan``. The
defaults are the runner columns of the one platform table, ``bake.model.platforms``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bake.model import platforms
from bake.model.yamlsource import Document, KeyPath, read_mapping, read_string

__all__ = ["DEFAULT_RUNNERS", "FALLBACK_RUNNER", "CiSpec", "Runner", "read_ci", "runner_for"]


@dataclass(frozen=True)
class Runner:
    """A CI runner label and whether it needs QEMU for the platform it builds."""

    label: str
    emulated: bool = False


# platform → the GitHub-hosted runner that builds it: the runner columns of the one
# platform table (bake.model.platforms). ARMv7 needs QEMU even on arm64 runners: their CPUs
# (Neoverse) cannot execute 32-bit ARM code.
DEFAULT_RUNNERS = {p.name: Runner(p.runner, emulated=p.emulated) for p in platforms.PLATFORMS}
# Only for a platform the table lacks (validation admits none): x86-64 under QEMU.
FALLBACK_RUNNER = Runner("ubuntu-24.04", emulated=True)


@dataclass(frozen=True)
class CiSpec:
    """The family's ``ci:`` section: runner overrides by platform (the rest are defaults)."""

    runners: dict[str, Runner] = field(default_factory=dict)


def runner_for(platform: str, ci: CiSpec) -> Runner:
    """The family's runner for ``platform``, else the default one."""
    return ci.runners.get(platform) or DEFAULT_RUNNERS.get(platform, FALLBACK_RUNNER)


def read_ci(doc: Document, value: Any, known_platforms: Sequence[str]) -> CiSpec:
    """Validate the ``ci:`` mapping (``None`` when the key is absent)."""
    if value is None:
        return CiSpec()
    data = read_mapping(doc, ("ci",), value)
    doc.check_keys(("ci",), data, ("runners",))
    runners = read_mapping(doc, ("ci", "runners"), data.get("runners") or {})
    doc.check_keys(("ci", "runners"), runners, known_platforms)
    return CiSpec(
        runners={
            platform: _runner(doc, ("ci", "runners", platform), spec)
            for platform, spec in runners.items()
        }
    )


def _runner(doc: Document, path: KeyPath, value: Any) -> Runner:
    if isinstance(value, str):
        return Runner(_label(doc, path, value))
    data = read_mapping(doc, path, value, expected="a runner label or {runner, emulated}")
    doc.check_keys(path, data, ("runner", "emulated"))
    if "runner" not in data:
        doc.fail(path, "missing key 'runner'")
    emulated = data.get("emulated", False)
    if not isinstance(emulated, bool):
        doc.fail((*path, "emulated"), f"expected true or false, got {emulated!r}")
    return Runner(_label(doc, (*path, "runner"), data["runner"]), emulated)


def _label(doc: Document, path: KeyPath, value: Any) -> str:
    label = read_string(doc, path, value).strip()
    if not label or any(c.isspace() for c in label):
        doc.fail(
            path, f"expected a runner label without spaces (e.g. 'ubuntu-24.04'), got {value!r}"
        )
    return label
