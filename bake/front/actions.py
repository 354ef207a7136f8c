"""The pipeline verbs behind both front doors: ``python -m bake VERB SEL …`` and the nox
sessions ``VERB-SEL`` call ``run_action`` with the same arguments, parsed in one place:
``--platform P[,P…]`` and ``--digests DIR`` (``split_options``), ``NAME=value`` bake
variables, and anything else for buildx (``split_posargs``). What each verb then does
is its row of ``bake.front.verbs.VERBS``.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from bake.build import affected, pipeline
from bake.core.docker import Docker
from bake.core.errors import ConfigError
from bake.front import verbs as verbs_module
from bake.front.verbs import Action
from bake.model.family import Family
from bake.model.naming import VARIABLES
from bake.publish import prune
from bake.publish.registries import Registries

__all__ = [
    "ACTIONS",
    "narrow_since",
    "run_action",
    "split_options",
    "split_posargs",
    "take_since",
]

ACTIONS = tuple(verb.name for verb in verbs_module.VERBS)  # the verbs' names, in table order
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
    found = affected.since(plan.family, plan.config_path, since, plan.docker)
    images = found.select(plan.images)
    listing = found.render(images) or "(none: nothing to do)"
    print(f"affected since {since}:\n{listing}", file=sys.stderr, flush=True)
    return dataclasses.replace(plan, images=images)


def run_action(
    action: str,
    config_path: Path,
    selection: str,
    posargs: Sequence[str],
    env: Mapping[str, str],
    verbs: Sequence[verbs_module.Verb] = verbs_module.VERBS,
    family: Family | None = None,
    docker: Docker | None = None,
    registries: Registries | None = None,
) -> None:
    """Plan ``action`` (a row of ``verbs``) on ``selection`` of the family at
    ``config_path``, then run the row's function. ``verbs`` is a parameter so a test
    can hand in a table whose functions only record what they were given. ``family``:
    the family at ``config_path`` when the caller has loaded it (a nox session), so the
    file is read once per command. ``docker`` and ``registries``: what the run acts
    through (default: the real ones; a test passes fakes)."""
    verb = verbs_module.by_action(action, verbs)
    since, posargs = take_since(posargs)
    prune_options = prune.Options()
    if verb.action is Action.PRUNE:
        prune_options, posargs = prune.split_prune_options(posargs)
    platforms, digests, rest = split_options(posargs)
    overrides, buildx_args = split_posargs(rest)
    options = pipeline.Options.from_env(env, buildx_args)
    plan = pipeline.make_plan(
        config_path,
        selection,
        overrides,
        options,
        env,
        platforms,
        family=family,
        docker=docker,
        registries=registries,
    )
    plan = narrow_since(plan, since)
    if verb.digests and digests is None:
        raise ConfigError("arguments", "--digests", f"{action} needs --digests DIR")
    if not verb.digests and digests is not None:
        takers = " and ".join(v.name for v in verbs if v.digests)
        raise ConfigError("arguments", "--digests", f"only {takers} take it, not {action}")
    verb.run(verbs_module.Request(plan, env, digests, buildx_args, prune_options))
