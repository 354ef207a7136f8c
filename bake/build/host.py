"""Is this host able to build, test and push the family? Each check fails with a HostError
that says what is missing and how to fix it, before any long build starts.

What the pipeline relies on, and why:
- docker CLI and a daemon that answers;
- buildx >= 0.29 (bake's ``target:`` contexts, ``--call check``, multi-platform ``--load``);
- the containerd image store, without which ``--load`` of a multi-platform build (and of
  its attestations) is refused by the default ``docker`` driver;
- a binfmt_misc handler with the F (fix-binary) flag for each foreign platform, so QEMU
  works inside containers and build sandboxes (without F the interpreter path is looked
  up inside the container, where it does not exist);
- a reachable registry when the push target is a local one (127.0.0.1:PORT, localhost).

Parsers are pure functions; only the ``check_*`` functions read files or run commands
(through the run's ``Docker``, so a test answers them with a fake).
"""

from __future__ import annotations

import json
import platform as _platform
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from bake.core.docker import BINFMT_ROOT, Docker
from bake.core.errors import HOST_FIX as FIX
from bake.core.errors import BakeError, HostError
from bake.model import platforms as platforms_table

__all__ = [
    "MINIMUMS",
    "MIN_BUILDX",
    "binfmt_problem",
    "check_binfmt",
    "check_build_host",
    "check_buildx",
    "check_containerd_store",
    "check_docker",
    "foreign_platforms",
    "parse_buildx_version",
    "uses_containerd_store",
]

MINIMUMS = Path(__file__).resolve().parent.parent / "data" / "host-minimums"


def _minimum(name: str) -> tuple[int, ...]:
    """``NAME=0.29`` in data/host-minimums (shared with scripts/setup-host.sh) → (0, 29)."""
    for line in MINIMUMS.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == name:
            return tuple(int(part) for part in value.strip().split("."))
    raise KeyError(f"{name} is not set in {MINIMUMS}")


MIN_BUILDX = _minimum("MIN_BUILDX")


def parse_buildx_version(text: str) -> tuple[int, ...] | None:
    """``github.com/docker/buildx v0.29.1 abc`` or ``… 0.29.1+ds1 …`` → (0, 29, 1)."""
    match = re.search(r"\bv?(\d+)\.(\d+)(?:\.(\d+))?", text)
    if match is None:
        return None
    return tuple(int(part) for part in match.groups() if part is not None)


def uses_containerd_store(driver_status: str) -> bool:
    """True when ``docker info``'s DriverStatus (JSON pairs) names the containerd snapshotter."""
    try:
        pairs = json.loads(driver_status) or []
    except json.JSONDecodeError:
        return False
    return any(
        len(pair) == 2 and pair[0] == "driver-type" and "containerd.snapshotter" in pair[1]
        for pair in pairs
    )


def foreign_platforms(platforms: Iterable[str], machine: str | None = None) -> tuple[str, ...]:
    """The platforms this CPU (``uname -m``) needs QEMU for, in the given order."""
    native = platforms_table.by_machine(machine or _platform.machine())
    return tuple(dict.fromkeys(p for p in platforms if p not in native))


def binfmt_problem(platform: str, handler_text: str | None) -> str | None:
    """What is wrong with the handler for ``platform`` (its binfmt_misc file text), if anything."""
    try:
        name = platforms_table.get(platform).qemu_handler
    except KeyError:
        return f"{platform}: no known QEMU binfmt handler for this platform"
    if handler_text is None:
        return f"{platform}: no binfmt_misc handler {name} (QEMU user emulation is not registered)"
    lines = handler_text.splitlines()
    if "enabled" not in lines:
        return f"{platform}: the binfmt_misc handler {name} is disabled"
    flags = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("flags:")), "")
    if "F" not in flags:
        return (
            f"{platform}: the binfmt_misc handler {name} lacks the F (fix-binary) flag "
            f"(flags: {flags or 'none'}), so containers cannot find the emulator"
        )
    return None


# --- checks (side effects) ----------------------------------------------------------------


def check_docker(docker: Docker) -> None:
    """The docker CLI exists and its daemon answers."""
    try:
        docker.capture(["docker", "version", "--format", "{{.Server.Version}}"])
    except HostError as exc:
        raise HostError(f"docker CLI not found ({exc}); {FIX}") from None
    except BakeError as exc:
        raise HostError(
            f"the Docker daemon does not answer (is dockerd running, may you use "
            f"/var/run/docker.sock?):\n{exc}\n{FIX}"
        ) from None


def check_buildx(docker: Docker, minimum: tuple[int, ...] = MIN_BUILDX) -> None:
    """The buildx plugin is at least ``minimum``."""
    try:
        text = docker.capture(["docker", "buildx", "version"])
    except BakeError:
        raise HostError(f"docker buildx is not installed; {FIX}") from None
    version = parse_buildx_version(text)
    if version is None or version < minimum:
        want = ".".join(map(str, minimum))
        raise HostError(f"docker buildx >= {want} is needed, found {text.strip()!r}; {FIX}")


def check_containerd_store(docker: Docker) -> None:
    """The daemon uses the containerd image store (multi-platform ``--load``)."""
    status = docker.capture(["docker", "info", "--format", "{{json .DriverStatus}}"])
    if not uses_containerd_store(status):
        raise HostError(
            "the Docker daemon does not use the containerd image store, so multi-platform "
            'images cannot be loaded: set {"features": {"containerd-snapshotter": true}} '
            f"in /etc/docker/daemon.json and restart dockerd; {FIX}"
        )


def check_build_host(docker: Docker) -> None:
    """Everything ``build`` needs."""
    check_docker(docker)
    check_buildx(docker)
    check_containerd_store(docker)


def check_binfmt(
    platforms: Sequence[str], machine: str | None = None, root: Path = BINFMT_ROOT
) -> None:
    """Every foreign platform has an enabled QEMU handler with the F flag."""
    problems = []
    for platform in foreign_platforms(platforms, machine):
        try:
            path: Path | None = root / platforms_table.get(platform).qemu_handler
        except KeyError:
            path = None
        text = path.read_text() if path is not None and path.is_file() else None
        problem = binfmt_problem(platform, text)
        if problem:
            problems.append(problem)
    if problems:
        raise HostError(
            "cannot run foreign-platform containers:\n  "
            + "\n  ".join(problems)
            + f"\n{FIX} (it installs qemu-user-static/binfmt-support with the F flag)"
        )
