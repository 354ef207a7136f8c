"""The ``lint`` session: the repository's own linters (commands its noxfile passes, e.g.
hadolint, ruff, mypy, and ``workflow_commands``: actionlint and zizmor on its GitHub
workflows), then what the tool itself checks:

- ``docker buildx bake --call check all``: BuildKit's Dockerfile rules on every target,
  failing on any warning. buildx cannot yet check a target whose parent comes through a
  ``target:`` context ("unsupported context source target", docker/buildx#3343), so for
  the check each such link points at a stand-in image instead: the check parses the
  Dockerfile and resolves its stages, it never builds, so any resolvable image will do.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bake.core import run
from bake.core.errors import CommandError, HostError
from bake.emit import generated
from bake.front import verbs
from bake.model import packages
from bake.model.family import Family

__all__ = [
    "CHECK_STAND_IN",
    "bake_check",
    "check_command",
    "dockerfiles",
    "lint",
    "workflow_commands",
]

Runner = Callable[..., Any]  # bake.core.run.run's shape
CHECK_STAND_IN = "docker-image://debian:bookworm-slim"
WORKFLOWS = Path(".github") / "workflows"
DEPENDABOT = Path(".github") / "dependabot.yml"
# Docker Engine < 27 has a built-in Dockerfile frontend without lint support; buildx then
# asks Docker Hub for docker/dockerfile:1.8 and fails this way where that is out of reach.
_NO_LINT_FRONTEND = "unsupported request frontend.lint"


def check_command(family: Family, extra: Sequence[str] = ()) -> list[str]:
    """``--call check all`` with every ``target:`` link replaced by the stand-in."""
    overrides = [
        arg
        for image in family.images
        if image.parent is not None
        for arg in ("--set", f"{image.name}.contexts.{image.context_name}={CHECK_STAND_IN}")
    ]
    bake = ["docker", "buildx", "bake", "-f", generated.HCL_NAME, "--call", "check", "all"]
    return [*bake, *overrides, *extra]


def bake_check(family: Family, extra: Sequence[str] = (), runner: Runner = run.run) -> None:
    """Run the check; any warning fails it (buildx exits 1). An engine that cannot lint is
    a host problem, said as such. ``runner``: ``bake.core.run.run`` (tests pass a fake)."""
    cmd = check_command(family, extra)
    proc = runner(cmd, cwd=family.root, capture=True, check=False)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    if proc.returncode == 0:
        return
    if _NO_LINT_FRONTEND in proc.stderr:
        raise HostError(
            "`docker buildx bake --call check` needs Docker Engine >= 27 (its BuildKit lints "
            "Dockerfiles without fetching docker/dockerfile from Docker Hub); this engine "
            "cannot: upgrade Docker Engine (see the neko-bake README's host requirements)"
        )
    raise CommandError(run.failure_message(cmd, proc.returncode, proc.stdout, proc.stderr))


def dockerfiles(family: Family) -> list[str]:
    """Every Dockerfile the family builds (for a linter such as hadolint): its own, and the
    shared one of images built from packages (in the package, ``bake/data``)."""
    files = sorted({image.dockerfile for image in family.images if image.dockerfile})
    if any(image.recipe is not None for image in family.images):
        files.append(packages.dockerfile_path())
    return files


def workflow_commands(root: Path) -> list[list[str]]:
    """actionlint and zizmor on the repository's workflows (none: nothing to run); zizmor
    as the ``auditor`` persona, its strictest: a finding is fixed or suppressed in place
    with a reason."""
    files = sorted(
        str(path.relative_to(root))
        for pattern in ("*.yml", "*.yaml")
        for path in (root / WORKFLOWS).glob(pattern)
    )
    if not files:
        return []
    # zizmor also audits Dependabot's configuration (e.g. that updates have a cooldown).
    configs = [str(DEPENDABOT)] if (root / DEPENDABOT).is_file() else []
    zizmor = ["zizmor", "--offline", "--no-progress", "--persona", "auditor"]
    return [["actionlint", *files], [*zizmor, *files, *configs]]


def lint(
    config_path: Path,
    family: Family,
    commands: Sequence[Sequence[str]] = (),
    bake_args: Sequence[str] = (),
    *,
    runner: Runner = run.run,
    write_files: Callable[[dict[Path, str]], object] = generated.write_files,
) -> None:
    """The ``lint`` session: the repository's own lint ``commands`` (argv lists from its
    noxfile, run in the family file's folder), cheapest first, then the generated files
    and BuildKit's check; the first failure stops it. ``runner`` and ``write_files`` are
    the real ones but in tests, which pass fakes rather than patch the modules."""
    for cmd in commands:
        runner(list(cmd), cwd=family.root)
    write_files(generated.expected_files(family, config_path, verbs.markdown_blocks()))
    bake_check(family, bake_args, runner)
