"""The pipeline verbs behind both front doors: ``python -m bake VERB SEL …`` and the nox
sessions ``VERB-SEL`` call ``run_action`` with the same arguments, parsed in one place:
``--platform P[,P…]`` and ``--digests DIR`` (``split_options``), ``NAME=value`` bake
variables, and anything else for buildx (``split_posargs``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from bake import pipeline
from bake.errors import ConfigError
from bake.naming import VARIABLES

__all__ = ["ACTIONS", "run_action", "split_options", "split_posargs"]

ACTIONS = ("build", "test", "push", "stage", "merge")
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
    platforms, digests, rest = split_options(posargs)
    overrides, buildx_args = split_posargs(rest)
    options = pipeline.Options.from_env(env, buildx_args)
    plan = pipeline.make_plan(config_path, selection, overrides, options, env, platforms)
    if action in _DIGEST_ACTIONS:
        if digests is None:
            raise ConfigError("arguments", "--digests", f"{action} needs --digests DIR")
        (pipeline.stage if action == "stage" else pipeline.merge)(plan, digests)
    elif digests is not None:
        raise ConfigError("arguments", "--digests", f"only stage and merge take it, not {action}")
    else:
        {"build": pipeline.build, "test": pipeline.test, "push": pipeline.push}[action](plan)
