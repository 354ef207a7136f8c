"""The pipeline verbs behind both front doors: ``python -m bake VERB SEL …`` and the nox
sessions ``VERB-SEL`` call ``run_action`` with the same arguments, parsed in one place:
``--platform P[,P…]`` and ``--digests DIR`` (``split_options``), ``NAME=value`` bake
variables, and anything else for buildx (``split_posargs``).
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from bake.build import affected, pipeline, refresh
from bake.core.errors import ConfigError
from bake.model.naming import VARIABLES
from bake.publish import prune

__all__ = [
    "ACTIONS",
    "narrow_since",
    "run_action",
    "split_options",
    "split_posargs",
    "take_since",
]

ACTIONS = ("build", "test", "push", "stage", "merge", "refresh", "prune")
_DIGEST_ACTIONS = ("stage", "merge")  # the CI verbs that read or write --digests DIR
_VARIABLE = re.compile(r"^(" + "|".join(v.name for v in VARIABLES) + r")=(.*)$", re.DOTALL)


def split_posargs(posargs: Sequence[str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """``REGISTRY=…``-style arguments set bake variables; the rest go to buildx as they are.
    A leading ``--`` (``python -m bake build x -- --no-cache``) is dropped."""
    variables: dict[str, str] = {}
    rest: list[str] = []
    for index, arg in enumerate(posargs):
        if index == 0 and arg == "--":
            continue
        match = _VARIABLE.match(arg)
        if match:
            variables[match.group(1)] = match.group(2)
        else:
            rest.append(arg)
    return variables, tuple(rest)


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


def prune_selection(plan: pipeline.Plan, options: prune.Options, env: Mapping[str, str]) -> None:
    """Prune every repository the plan's images are published in (``bake.publish.prune``)."""
    release_tags = (*plan.family.config.tags, *plan.variables.tag_list)
    repositories = dict.fromkeys(r for image in plan.images for r in plan.repositories(image))
    prune.prune(list(repositories), plan.family.config.prune, options, release_tags, env)


def run_action(
    action: str,
    config_path: Path,
    selection: str,
    posargs: Sequence[str],
    env: Mapping[str, str],
) -> None:
    """Plan ``action`` (one of ``ACTIONS``) on ``selection`` of the family at
    ``config_path``, then do it."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    since, posargs = take_since(posargs)
    prune_options = prune.Options()
    if action == "prune":
        prune_options, posargs = prune.split_prune_options(posargs)
    platforms, digests, rest = split_options(posargs)
    overrides, buildx_args = split_posargs(rest)
    options = pipeline.Options.from_env(env, buildx_args)
    plan = pipeline.make_plan(config_path, selection, overrides, options, env, platforms)
    plan = narrow_since(plan, since)
    if action in _DIGEST_ACTIONS:
        if digests is None:
            raise ConfigError("arguments", "--digests", f"{action} needs --digests DIR")
        (pipeline.stage if action == "stage" else pipeline.merge)(plan, digests)
    elif digests is not None:
        raise ConfigError("arguments", "--digests", f"only stage and merge take it, not {action}")
    elif action == "refresh":
        refresh.refresh(plan, env)
    elif action == "prune":
        if buildx_args:
            raise ConfigError("arguments", buildx_args[0], "prune takes --dry-run, --keep-digest")
        prune_selection(plan, prune_options, env)
    else:
        steps: dict[str, Callable[[pipeline.Plan], object]] = {
            "build": pipeline.build,
            "test": pipeline.test,
            "push": pipeline.push,
        }
        steps[action](plan)
