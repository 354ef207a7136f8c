"""The one platform table: every fact the tool knows about a platform, in one row.

Validation accepts only the platforms listed here, and every consumer takes its facts from
here: the host checks (which QEMU binfmt handler runs a foreign platform, which platforms
a CPU runs natively), the smoke tests' architecture check (``uname -m`` and the dpkg
architecture inside a container), the SBOM generator's platforms and the CI plan's default
runners. A platform is added by adding a complete row (and the end-to-end test of its
architecture check proves the row), never by teaching one module about it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "PLATFORMS",
    "Platform",
    "by_machine",
    "get",
    "names",
    "slug",
    "render_markdown_table",
]


@dataclass(frozen=True)
class Platform:
    """One ``os/arch[/variant]`` and what it looks like from every side."""

    name: str  # as buildx and the OCI index spell it
    qemu_handler: str  # binfmt_misc handler name (qemu-user-static/binfmt-support)
    machine: str  # `uname -m` inside a container of this platform
    dpkg: str  # `dpkg --print-architecture` inside it
    runner: str  # default CI runner label (GitHub-hosted)
    emulated: bool  # whether that runner needs QEMU for it


# fmt: off
PLATFORMS: tuple[Platform, ...] = (
    #        name            qemu_handler     machine    dpkg     runner              emulated
    Platform("linux/amd64",  "qemu-x86_64",   "x86_64",  "amd64", "ubuntu-24.04",     False),
    Platform("linux/arm64",  "qemu-aarch64",  "aarch64", "arm64", "ubuntu-24.04-arm", False),
    # GitHub's arm64 runners cannot run AArch32 code natively: arm/v7 needs QEMU there too.
    Platform("linux/arm/v7", "qemu-arm",      "armv7l",  "armhf", "ubuntu-24.04-arm", True),
)
# fmt: on

_BY_NAME = {platform.name: platform for platform in PLATFORMS}


def names() -> tuple[str, ...]:
    """Every known platform name, in the table's order."""
    return tuple(_BY_NAME)


def get(name: str) -> Platform:
    """The row of ``name`` (KeyError for a platform the table does not know)."""
    return _BY_NAME[name]


def slug(name: str) -> str:
    """``linux/arm/v7`` → ``linux-arm-v7``: a platform in file, artifact and cache names."""
    return name.replace("/", "-")


def by_machine(machine: str) -> tuple[str, ...]:
    """The platforms a CPU whose ``uname -m`` is ``machine`` runs without emulation."""
    return tuple(p.name for p in PLATFORMS if p.machine == machine)


def render_markdown_table() -> str:
    """The table as Markdown (``generate`` keeps it current in docs/platforms.md)."""
    lines = [
        "| platform | QEMU handler | `uname -m` | dpkg architecture | CI runner (default) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for p in PLATFORMS:
        runner = f"`{p.runner}`" + (", under QEMU" if p.emulated else "")
        lines.append(f"| `{p.name}` | `{p.qemu_handler}` | `{p.machine}` | `{p.dpkg}` | {runner} |")
    return "\n".join(lines) + "\n"
