"""What the noxfile asks for: the list of sessions, built from the family, and what each
one does. Nothing here imports nox, so the catalogue is tested as plain data.

Per concrete target and per group: ``build-<name>``, ``test-<name>``, ``push-<name>``,
and for CI's per-platform jobs ``stage-<name>`` and ``merge-<name>`` (the same functions
as ``python -m bake build|test|push|stage|merge``, through ``bake.front.actions``).
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
from dataclasses import dataclass
from pathlib import Path

from bake.core import run
from bake.front import actions
from bake.front import lint as lint_module
from bake.front.actions import ACTIONS, split_options, split_posargs, take_since
from bake.model.family import Family, Group, Image, load_family

__all__ = [
    "ACTIONS",
    "DEFAULT_SESSIONS",
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

Action = Callable[[Sequence[str]], None]


@dataclass(frozen=True)
class SessionSpec:
    """One nox session: its name, a one-line description, tags, and what it runs."""

    name: str
    description: str
    tags: tuple[str, ...]
    action: Action  # called with the session's posargs


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


def _pipeline_action(path: Path, action: str, selection: str) -> Action:
    def act(posargs: Sequence[str]) -> None:
        actions.run_action(action, path, selection, posargs, os.environ)

    return act


_VERBS = {
    "build": "Build {what} for {platforms} into the local image store",
    "test": "Build, then smoke-test {what} under QEMU on {platforms}",
    "push": "Build, test, then push {what} ({platforms}) as multi-arch indexes with attestations",
    "stage": "Build and test {what} (--platform P), upload by digest, write records to --digests DIR",
    "merge": "Tag {what} ({platforms}) from the stage records in --digests DIR, then verify",
    "refresh": "Rebuild {what} ({platforms}) with fresh packages, test, push what changed packages",
    "prune": "Delete old sha-… tags of {what} and what only they reach (-- --dry-run)",
}


def _image_sessions(path: Path, image: Image) -> list[SessionSpec]:
    # "base" names both the base's tier and (by default) the image: say it once.
    what = image.name if image.name == image.tier.value else f"{image.name} ({image.tier})"
    platforms = ", ".join(image.platforms)
    tier = image.tier.value
    tags = ("image", tier, image.name, *((image.accelerator,) if image.accelerator else ()))
    return [
        SessionSpec(
            f"{action}-{image.name}",
            _VERBS[action].format(what=what, platforms=platforms),
            tuple(dict.fromkeys((action, *tags))),
            _pipeline_action(path, action, image.name),
        )
        for action in ACTIONS
    ]


def _group_sessions(path: Path, family: Family, group: Group) -> list[SessionSpec]:
    images = family.select(group.name)
    what = f"group {group.name} ({len(images)} images)"
    platforms = ", ".join(
        p for p in family.config.platforms if any(p in i.platforms for i in images)
    )
    return [
        SessionSpec(
            f"{action}-{group.name}",
            _VERBS[action].format(what=what, platforms=platforms),
            (action, "group", group.name),
            _pipeline_action(path, action, group.name),
        )
        for action in ACTIONS
    ]


def _python_module(root: Path, *args: str) -> Action:
    def act(posargs: Sequence[str]) -> None:
        run.run([sys.executable, *args, *posargs], cwd=root)

    return act


def _lint(path: Path, family: Family, extra: Sequence[Sequence[str]]) -> Action:
    def act(posargs: Sequence[str]) -> None:
        lint_module.lint(path, family, extra, posargs)

    return act


def lint_description(extra: Sequence[Sequence[str]] = ()) -> str:
    """One line naming what ``lint`` runs: each command by its program (and subcommand)."""
    names = []
    for cmd in extra:
        words = list(cmd[2:] if list(cmd[:2]) == [sys.executable, "-m"] else cmd)
        subcommand = words[1] if len(words) > 1 and words[1].isalpha() else ""
        names.append(f"{Path(words[0]).name} {subcommand}".strip())
    return ", ".join([*names, "`docker buildx bake --call check all` (BuildKit's Dockerfile lint)"])


def _chores(path: Path, family: Family, lint: Sequence[Sequence[str]]) -> list[SessionSpec]:
    config = ["--config", str(path)]
    return [
        SessionSpec(
            "generate",
            "Write docker-bake.hcl/.json, family.schema.json and the README graph",
            ("generate",),
            _python_module(family.root, "-m", "bake", *config, "generate"),
        ),
        SessionSpec(
            "check",
            "Fail if the generated files are stale (what CI runs)",
            ("check", "ci"),
            _python_module(family.root, "-m", "bake", *config, "check"),
        ),
        SessionSpec("lint", lint_description(lint), ("lint", "ci"), _lint(path, family, lint)),
    ]


def catalogue(
    path: Path | None = None, lint: Sequence[Sequence[str]] = ()
) -> tuple[SessionSpec, ...]:
    """Every session for the family at ``path``: per target, per group, then the chores
    (``lint`` runs the commands in ``lint`` first, in the family file's folder)."""
    path = path or config_path()
    family = load_family(path)
    specs: list[SessionSpec] = []
    for image in family.images:
        specs += _image_sessions(path, image)
    for group in family.groups:
        if group.name not in SKIPPED_GROUPS:
            specs += _group_sessions(path, family, group)
    return (*specs, *_chores(path, family, lint))


def by_name(specs: Sequence[SessionSpec], name: str) -> SessionSpec:
    """The session called ``name`` (KeyError if there is none)."""
    for spec in specs:
        if spec.name == name:
            return spec
    raise KeyError(name)
