"""The pipeline verbs behind both front doors: ``python -m bake build|test|push SEL …``
and the nox sessions ``build-SEL``, ``test-SEL``, ``push-SEL`` call ``run_action`` with
the same arguments, parsed in one place (``split_posargs``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from bake import pipeline
from bake.naming import VARIABLES

__all__ = ["ACTIONS", "run_action", "split_posargs"]

ACTIONS = ("build", "test", "push")
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
    overrides, buildx_args = split_posargs(posargs)
    options = pipeline.Options.from_env(env, buildx_args)
    step: Callable[[pipeline.Plan], object] = getattr(pipeline, action)  # build, test, push
    step(pipeline.make_plan(config_path, selection, overrides, options, env))
