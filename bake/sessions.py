"""What the noxfile asks for: the list of sessions, built from the family, and what each
one does. Nothing here imports nox, so the catalogue is tested as plain data.

Per concrete target and per group: ``build-<name>``, ``test-<name>``, ``push-<name>``,
and for CI's per-platform jobs ``stage-<name>`` and ``merge-<name>``.
Then the project's chores: ``generate``, ``check``, ``lint``, ``tests``, ``bench``,
``setup-host``.
Names are hyphenated, so select them with ``nox -s`` or by tag with ``nox -t``
(``nox -k`` parses its argument as a Python expression and cannot name them).
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bake import affected, lint, pipeline, refresh, run
from bake.errors import ConfigError
from bake.family import Family, Group, Image, load_family
from bake.naming import VARIABLES

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

ROOT = Path(__file__).resolve().parent.parent
ACTIONS = ("build", "test", "push", "stage", "merge", "refresh")
DEFAULT_SESSIONS = ("check", "lint", "tests")  # what a bare `nox` runs
SKIPPED_GROUPS = ("default",)  # bake's implicit target; the same as "all"
_VARIABLE = re.compile(r"^(" + "|".join(v.name for v in VARIABLES) + r")=(.*)$", re.DOTALL)

Action = Callable[[Sequence[str]], None]


@dataclass(frozen=True)
class SessionSpec:
    """One nox session: its name, a one-line description, tags, and what it runs."""

    name: str
    description: str
    tags: tuple[str, ...]
    action: Action  # called with the session's posargs


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """The family file: ``$BAKE_CONFIG`` (as for ``python -m bake``), else ./family.yaml."""
    env = os.environ if env is None else env
    return Path(env["BAKE_CONFIG"]) if env.get("BAKE_CONFIG") else ROOT / "family.yaml"


def split_posargs(posargs: Sequence[str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """``REGISTRY=…``-style posargs set bake variables; the rest go to buildx as they are."""
    variables: dict[str, str] = {}
    rest: list[str] = []
    for arg in posargs:
        match = _VARIABLE.match(arg)
        if match:
            variables[match.group(1)] = match.group(2)
        else:
            rest.append(arg)
    return variables, tuple(rest)


def take_since(posargs: Sequence[str]) -> tuple[str | None, tuple[str, ...]]:
    """``--since REF`` (or ``--since=REF``) out of the posargs; the rest as they were."""
    since: str | None = None
    rest: list[str] = []
    args = iter(posargs)
    for arg in args:
        if arg == "--since":
            since = next(args, None)
            if not since:
                raise ConfigError("arguments", "--since", "expected a git revision after it")
        elif arg.startswith("--since="):
            since = arg.removeprefix("--since=")
        else:
            rest.append(arg)
    return since, tuple(rest)


def narrow_since(plan: pipeline.Plan, since: str | None) -> pipeline.Plan:
    """Only the plan's images the changes since ``since`` affect (all when it is None)."""
    if since is None:
        return plan
    found = affected.since(plan.family, plan.config_path, since)
    images = found.select(plan.images)
    listing = found.render(images) or "(none: nothing to do)"
    print(f"affected since {since}:\n{listing}", file=sys.stderr, flush=True)
    return dataclasses.replace(plan, images=images)


# Looked up when the session runs (tests replace the pipeline's functions).
_STEPS: dict[str, Callable[[pipeline.Plan], object]] = {
    "build": lambda plan: pipeline.build(plan),
    "test": lambda plan: pipeline.test(plan),
    "push": lambda plan: pipeline.push(plan),
    "refresh": lambda plan: refresh.refresh(plan, os.environ),
}
_DIGEST_STEPS: dict[str, Callable[[pipeline.Plan, Path], object]] = {
    "stage": lambda plan, digests: pipeline.stage(plan, digests),
    "merge": lambda plan, digests: pipeline.merge(plan, digests),
}


def split_options(posargs: Sequence[str]) -> tuple[tuple[str, ...], Path | None, list[str]]:
    """``--platform P[,P…]`` (repeatable) and ``--digests DIR`` out of the posargs."""
    platforms: list[str] = []
    digests: Path | None = None
    rest: list[str] = []
    args = iter(posargs)
    for arg in args:
        name, eq, value = arg.partition("=")
        if name in ("--platform", "--digests"):
            value = value if eq else next(args, "")
            if not value:
                raise ConfigError("arguments", name, "expected a value after it")
            if name == "--platform":
                platforms += [p for p in value.split(",") if p]
            else:
                digests = Path(value)
        else:
            rest.append(arg)
    return tuple(platforms), digests, rest


def _pipeline_action(path: Path, action: str, selection: str) -> Action:
    def act(posargs: Sequence[str]) -> None:
        since, posargs = take_since(posargs)
        platforms, digests, rest = split_options(posargs)
        overrides, buildx_args = split_posargs(rest)
        options = pipeline.Options.from_env(os.environ, buildx_args)
        plan = pipeline.make_plan(path, selection, overrides, options, os.environ, platforms)
        plan = narrow_since(plan, since)
        if action in _DIGEST_STEPS:
            if digests is None:
                raise ConfigError("arguments", "--digests", f"{action} needs --digests DIR")
            _DIGEST_STEPS[action](plan, digests)
        elif digests is not None:
            raise ConfigError(
                "arguments", "--digests", f"only stage and merge take it, not {action}"
            )
        else:
            _STEPS[action](plan)

    return act


_VERBS = {
    "build": "Build {what} for {platforms} into the local image store",
    "test": "Build, then smoke-test {what} under QEMU on {platforms}",
    "push": "Build, test, then push {what} ({platforms}) as multi-arch indexes with attestations",
    "stage": "Build and test {what} (--platform P), upload by digest, write records to --digests DIR",
    "merge": "Tag {what} ({platforms}) from the stage records in --digests DIR, then verify",
    "refresh": "Rebuild {what} ({platforms}) with fresh packages, test, push what changed packages",
}


def _image_sessions(path: Path, image: Image) -> list[SessionSpec]:
    what = image.name if image.name == image.tier else f"{image.name} ({image.tier})"
    platforms = ", ".join(image.platforms)
    tags = ("image", image.tier, image.name, *((image.accelerator,) if image.accelerator else ()))
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


def _python_module(*args: str) -> Action:
    def act(posargs: Sequence[str]) -> None:
        run.run([sys.executable, *args, *posargs], cwd=ROOT)

    return act


def _lint(path: Path, family: Family) -> Action:
    def act(posargs: Sequence[str]) -> None:
        lint.lint(path, family, ROOT, posargs)

    return act


def _setup_host(posargs: Sequence[str]) -> None:
    run.run(["bash", "scripts/setup-host.sh", *posargs], cwd=ROOT)


def _chores(path: Path, family: Family) -> list[SessionSpec]:
    config = ["--config", str(path)]
    return [
        SessionSpec(
            "generate",
            "Write docker-bake.hcl/.json from the family YAML",
            ("generate",),
            _python_module("-m", "bake", *config, "generate"),
        ),
        SessionSpec(
            "check",
            "Fail if docker-bake.hcl/.json are stale (what CI runs)",
            ("check", "ci"),
            _python_module("-m", "bake", *config, "check"),
        ),
        SessionSpec(
            "lint",
            "hadolint, ruff, mypy --strict, actionlint + zizmor on the workflows, "
            "`buildx bake --call check` on every target",
            ("lint", "ci"),
            _lint(path, family),
        ),
        SessionSpec(
            "tests",
            "Run the pytest suite (docker tests skip without a daemon, fail if CI=true)",
            ("tests", "ci"),
            _python_module("-m", "pytest"),
        ),
        SessionSpec(
            "bench",
            "Benchmarks P1-P6 as ratios to their baselines, one table (-- --quick: CI's small run)",
            ("bench",),
            _python_module("benchmarks/bench.py"),
        ),
        SessionSpec(
            "setup-host",
            "Install Docker, buildx, QEMU binfmt and the local registry",
            ("setup",),
            _setup_host,
        ),
    ]


def catalogue(path: Path | None = None) -> tuple[SessionSpec, ...]:
    """Every session for the family at ``path``: per target, per group, then the chores."""
    path = path or config_path()
    family = load_family(path)
    specs: list[SessionSpec] = []
    for image in family.images:
        specs += _image_sessions(path, image)
    for group in family.groups:
        if group.name not in SKIPPED_GROUPS:
            specs += _group_sessions(path, family, group)
    return (*specs, *_chores(path, family))


def by_name(specs: Sequence[SessionSpec], name: str) -> SessionSpec:
    """The session called ``name`` (KeyError if there is none)."""
    for spec in specs:
        if spec.name == name:
            return spec
    raise KeyError(name)
