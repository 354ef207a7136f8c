"""The ``lint`` session: Dockerfiles, Python, the CI workflows, and BuildKit's own check.

- hadolint on every Dockerfile of the family (and the shared one of images built from
  packages, ``bake/data/packages.Dockerfile``);
- ruff (check and format) and ``mypy --strict`` on the Python;
- actionlint (with shellcheck on ``run:`` scripts) and zizmor ``--offline`` on
  ``.github/workflows``: the workflow must stay valid, pinned and injection-free;
- ``docker buildx bake --call check all``: BuildKit's Dockerfile rules on every target,
  failing on any warning. buildx cannot yet check a target whose parent comes through a
  ``target:`` context ("unsupported context source target", docker/buildx#3343), so for
  the check each such link points at a stand-in image instead: the check parses the
  Dockerfile and resolves its stages, it never builds, so any resolvable image will do.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from bake import generated, recipe, run
from bake.errors import CommandError, HostError
from bake.family import Family

__all__ = ["CHECK_STAND_IN", "bake_check", "check_command", "lint", "workflow_commands"]

CHECK_STAND_IN = "docker-image://debian:bookworm-slim"
WORKFLOWS = Path(".github") / "workflows"
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


def bake_check(family: Family, extra: Sequence[str] = ()) -> None:
    """Run the check; any warning fails it (buildx exits 1). An engine that cannot lint is
    a host problem, said as such."""
    cmd = check_command(family, extra)
    proc = run.run(cmd, cwd=family.root, capture=True, check=False)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    if proc.returncode == 0:
        return
    if _NO_LINT_FRONTEND in proc.stderr:
        raise HostError(
            "`docker buildx bake --call check` needs Docker Engine >= 27 (its BuildKit lints "
            "Dockerfiles without fetching docker/dockerfile from Docker Hub); this engine "
            "cannot: run `bash scripts/setup-host.sh` (it installs Docker Engine 28)"
        )
    raise CommandError(run.failure_message(cmd, proc.returncode, proc.stdout, proc.stderr))


def workflow_commands(root: Path) -> list[list[str]]:
    """actionlint and zizmor on the repository's workflows (none: nothing to run)."""
    files = sorted(
        str(path.relative_to(root))
        for pattern in ("*.yml", "*.yaml")
        for path in (root / WORKFLOWS).glob(pattern)
    )
    if not files:
        return []
    return [["actionlint", *files], ["zizmor", "--offline", "--no-progress", *files]]


def lint(config_path: Path, family: Family, repo: Path, extra: Sequence[str] = ()) -> None:
    """Everything the ``lint`` session checks, cheapest first; the first failure stops it."""
    dockerfiles = sorted({image.dockerfile for image in family.images if image.dockerfile})
    if any(image.recipe is not None for image in family.images):
        dockerfiles.append(recipe.dockerfile_path())  # the shared one, in the package
    run.run(["hadolint", *dockerfiles], cwd=family.root)
    run.run([sys.executable, "-m", "ruff", "check", "."], cwd=repo)
    run.run([sys.executable, "-m", "ruff", "format", "--check", "."], cwd=repo)
    run.run([sys.executable, "-m", "mypy"], cwd=repo)
    for cmd in workflow_commands(repo):
        run.run(cmd, cwd=repo)
    generated.write_files(generated.expected_files(family, config_path))
    bake_check(family, extra)
