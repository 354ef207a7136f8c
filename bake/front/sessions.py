"""What the noxfile asks for: the list of sessions, built from the family, and what each
one does. Nothing here imports nox, so the catalogue is tested as plain data.

Per concrete target and per group: ``build-<name>``, ``test-<name>``, ``push-<name>``,
and for CI's per-platform jobs ``stage-<name>`` and ``merge-<name>`` (the same functions
as ``python -m bake build|test|push|stage|merge``, through ``bake.front.actions``), one
per row of ``bake.front.verbs.VERBS``, whose description and tags they take.
Then the family's chores: ``generate``, ``check`` and ``lint`` (``buildx bake --call
check``). A repository's own chores (its linters, its tests, its host set-up) belong in
its noxfile; ``bake.front.nox_sessions.register`` takes extra lint commands.
Names are hyphenated, so select them with ``nox -s`` or by tag with ``nox -t``
(``nox -k`` parses its argument as a Python expression and cannot name them).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bake.core import run
from bake.core.docker import Docker
from bake.emit import generated
from bake.front import actions
from bake.front import lint as lint_module
from bake.front import verbs as verbs_module
from bake.front.actions import ACTIONS, split_options, split_posargs, take_since
from bake.model.family import Family, Group, Image, load_family
from bake.publish.registries import Registries

__all__ = [
    "ACTIONS",
    "DEFAULT_SESSIONS",
    "Seams",
    "SessionSpec",
    "by_name",
    "catalogue",
    "config_path",
    "split_options",
    "split_posargs",
    "take_since",
]

DEFAULT_SESSIONS = ("check", "lint")  # what a bare `nox` runs, unless the noxfile says
SKIPPED_GROUPS = ("default",)  # bake's implicit target; the same as "all"
CONFIG_NAME = "family.yaml"

Runner = Callable[[Sequence[str]], None]


@dataclass(frozen=True)
class Seams:
    """What the sessions call: the verbs' table and runner, and the command runner of
    the chores. The defaults are the real ones; a test passes recording fakes instead
    of patching the modules they come from."""

    verbs: tuple[verbs_module.Verb, ...] = verbs_module.VERBS
    run_action: Callable[..., None] = actions.run_action
    run: Callable[..., Any] = run.run
    write_files: Callable[[dict[Path, str]], object] = generated.write_files
    docker: Docker = field(default_factory=Docker)  # what the verbs' runs act through
    registries: Registries = field(default_factory=Registries)


@dataclass(frozen=True)
class SessionSpec:
    """One nox session: its name, a one-line description, tags, and what it runs."""

    name: str
    description: str
    tags: tuple[str, ...]
    action: Runner  # called with the session's posargs


def config_path(env: Mapping[str, str] | None = None, start: Path | None = None) -> Path:
    """The family file: ``$BAKE_CONFIG``, else the nearest ``family.yaml`` from ``start``
    (default: the current folder, which nox sets to the noxfile's) up."""
    env = os.environ if env is None else env
    if env.get("BAKE_CONFIG"):
        return Path(env["BAKE_CONFIG"])
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder / CONFIG_NAME
    return here / CONFIG_NAME


def _pipeline_action(
    path: Path, family: Family, action: str, selection: str, seams: Seams
) -> Runner:
    def act(posargs: Sequence[str]) -> None:
        seams.run_action(
            action,
            path,
            selection,
            posargs,
            os.environ,
            family=family,
            docker=seams.docker,
            registries=seams.registries,
        )

    return act


def _verb_sessions(
    path: Path,
    family: Family,
    selection: str,
    what: str,
    platforms: str,
    tags: tuple[str, ...],
    seams: Seams,
) -> list[SessionSpec]:
    """``VERB-<selection>`` for every row of the table, its description the row's."""
    return [
        SessionSpec(
            f"{verb.name}-{selection}",
            verb.describe(what, platforms),
            tuple(dict.fromkeys((verb.name, *verb.tags, *tags))),
            _pipeline_action(path, family, verb.name, selection, seams),
        )
        for verb in seams.verbs
        if verb.takes_selection
    ]


def _image_sessions(path: Path, family: Family, image: Image, seams: Seams) -> list[SessionSpec]:
    # "base" names both the base's tier and (by default) the image: say it once.
    what = image.name if image.name == image.tier.value else f"{image.name} ({image.tier})"
    tier = image.tier.value
    tags = ("image", tier, image.name, *((image.accelerator,) if image.accelerator else ()))
    return _verb_sessions(path, family, image.name, what, ", ".join(image.platforms), tags, seams)


def _group_sessions(path: Path, family: Family, group: Group, seams: Seams) -> list[SessionSpec]:
    images = family.select(group.name)
    what = f"group {group.name} ({len(images)} images)"
    platforms = ", ".join(
        p for p in family.config.platforms if any(p in i.platforms for i in images)
    )
    return _verb_sessions(path, family, group.name, what, platforms, ("group", group.name), seams)


def _python_module(root: Path, seams: Seams, *args: str) -> Runner:
    def act(posargs: Sequence[str]) -> None:
        seams.run([sys.executable, *args, *posargs], cwd=root)

    return act


def _lint(path: Path, family: Family, extra: Sequence[Sequence[str]], seams: Seams) -> Runner:
    def act(posargs: Sequence[str]) -> None:
        lint_module.lint(
            path, family, extra, posargs, runner=seams.run, write_files=seams.write_files
        )

    return act


def lint_description(extra: Sequence[Sequence[str]] = ()) -> str:
    """One line naming what ``lint`` runs: each command by its program (and subcommand)."""
    names = []
    for cmd in extra:
        words = list(cmd[2:] if list(cmd[:2]) == [sys.executable, "-m"] else cmd)
        subcommand = words[1] if len(words) > 1 and words[1].isalpha() else ""
        names.append(f"{Path(words[0]).name} {subcommand}".strip())
    return ", ".join([*names, "`docker buildx bake --call check all` (BuildKit's Dockerfile lint)"])


def _chores(
    path: Path, family: Family, lint: Sequence[Sequence[str]], seams: Seams
) -> list[SessionSpec]:
    config = ["--config", str(path)]
    return [
        SessionSpec(
            "generate",
            "Write docker-bake.hcl/.json, family.schema.json and the README graph",
            ("generate",),
            _python_module(family.root, seams, "-m", "bake", *config, "generate"),
        ),
        SessionSpec(
            "check",
            "Fail if the generated files are stale (what CI runs)",
            ("check", "ci"),
            _python_module(family.root, seams, "-m", "bake", *config, "check"),
        ),
        SessionSpec(
            "lint", lint_description(lint), ("lint", "ci"), _lint(path, family, lint, seams)
        ),
    ]


def catalogue(
    path: Path | None = None,
    lint: Sequence[Sequence[str]] = (),
    *,
    family: Family | None = None,
    seams: Seams | None = None,
) -> tuple[SessionSpec, ...]:
    """Every session for the family at ``path``: per target, per group, then the chores
    (``lint`` runs the commands in ``lint`` first, in the family file's folder).
    ``family``: the family at ``path`` when the caller has loaded it already, so a
    noxfile reads it once; ``seams``: what the sessions call (tests pass fakes)."""
    path = path or config_path()
    family = family if family is not None else load_family(path)
    seams = seams or Seams()
    specs: list[SessionSpec] = []
    for image in family.images:
        specs += _image_sessions(path, family, image, seams)
    for group in family.groups:
        if group.name not in SKIPPED_GROUPS:
            specs += _group_sessions(path, family, group, seams)
    return (*specs, *_chores(path, family, lint, seams))


def by_name(specs: Sequence[SessionSpec], name: str) -> SessionSpec:
    """The session called ``name`` (KeyError if there is none)."""
    for spec in specs:
        if spec.name == name:
            return spec
    raise KeyError(name)
