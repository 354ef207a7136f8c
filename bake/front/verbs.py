"""The pipeline verbs, typed: the ``Action`` enum and ``VERBS``, one row per verb.

``python -m bake VERB``'s subparsers, the ``VERB-<name>`` nox sessions (description and
tags) and the Markdown table of the docs (``render_markdown``) all read this one table,
so a verb's description, what runs it and whether it needs ``--digests`` are written
once: adding a row adds the subcommand, the sessions and the docs line together.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bake.build import pipeline, refresh
from bake.core.errors import ConfigError
from bake.emit.graph import Block
from bake.publish import prune

__all__ = ["VERBS", "Action", "Request", "Verb", "by_action", "render_markdown"]


class Action(enum.StrEnum):
    """A pipeline verb: the CLI subcommand and the first word of its nox sessions."""

    BUILD = "build"
    TEST = "test"
    PUSH = "push"
    STAGE = "stage"
    MERGE = "merge"
    REFRESH = "refresh"
    PRUNE = "prune"


@dataclass(frozen=True)
class Request:
    """What a verb's function is given: the plan and the options parsed off the posargs."""

    plan: pipeline.Plan
    env: Mapping[str, str]
    digests: Path | None = None
    buildx_args: tuple[str, ...] = ()
    prune_options: prune.Options = field(default_factory=prune.Options)


@dataclass(frozen=True)
class Verb:
    """One row: ``description`` is a template of ``{what}`` (the selection) and
    ``{platforms}``; the nox session fills them in, the CLI help with generic words."""

    action: Action
    description: str
    run: Callable[[Request], object]
    digests: bool = False  # reads or writes --digests DIR (the CI verbs)
    tags: tuple[str, ...] = ()  # nox tags beyond the verb's name and the selection's
    takes_selection: bool = True

    @property
    def name(self) -> str:
        return self.action.value

    def describe(self, what: str, platforms: str) -> str:
        """The nox session's one-line description for ``what`` on ``platforms``."""
        return self.description.format(what=what, platforms=platforms)

    @property
    def help(self) -> str:
        """The CLI subcommand's help: the same sentence, of any selection."""
        text = self.describe("a target or group", "its platforms")
        return text[0].lower() + text[1:]


def _prune(request: Request) -> None:
    """Prune every repository the plan's images are published in (``bake.publish.prune``)."""
    if request.buildx_args:
        raise ConfigError(
            "arguments", request.buildx_args[0], "prune takes --dry-run, --keep-digest"
        )
    plan = request.plan
    release_tags = (*plan.family.config.tags, *plan.variables.tag_list)
    repositories = dict.fromkeys(r for image in plan.images for r in plan.repositories(image))
    options = request.prune_options
    prune.prune(list(repositories), plan.family.config.prune, options, release_tags, request.env)


def _with_digests(step: Callable[[pipeline.Plan, Path], object]) -> Callable[[Request], object]:
    def run(request: Request) -> object:
        assert request.digests is not None  # run_action checks it first
        return step(request.plan, request.digests)

    return run


VERBS: tuple[Verb, ...] = (
    Verb(
        Action.BUILD,
        "Build {what} for {platforms} into the local image store",
        lambda r: pipeline.build(r.plan),
    ),
    Verb(
        Action.TEST,
        "Build, then smoke-test {what} under QEMU on {platforms}",
        lambda r: pipeline.test(r.plan),
    ),
    Verb(
        Action.PUSH,
        "Build, test, then push {what} ({platforms}) as multi-arch indexes with attestations",
        lambda r: pipeline.push(r.plan),
    ),
    Verb(
        Action.STAGE,
        "Build and test {what} (--platform P), upload by digest, write records to --digests DIR",
        _with_digests(pipeline.stage),
        digests=True,
    ),
    Verb(
        Action.MERGE,
        "Tag {what} ({platforms}) from the stage records in --digests DIR, then verify",
        _with_digests(pipeline.merge),
        digests=True,
    ),
    Verb(
        Action.REFRESH,
        "Rebuild {what} ({platforms}) with fresh packages, test, push what changed packages",
        lambda r: refresh.refresh(r.plan, r.env),
    ),
    Verb(
        Action.PRUNE,
        "Delete old sha-… tags of {what} and what only they reach (--dry-run, --keep-digest D), "
        "then check every kept tag",
        _prune,
    ),
)


def by_action(action: str, verbs: Sequence[Verb] = VERBS) -> Verb:
    """The row of ``action`` (a ValueError names an unknown one)."""
    for verb in verbs:
        if verb.name == action:
            return verb
    raise ValueError(f"unknown action {action!r}")


MARKDOWN_BEGIN = "<!-- neko-bake verbs: begin (python -m bake generate keeps this current) -->"
MARKDOWN_END = "<!-- neko-bake verbs: end -->"


def markdown_blocks(verbs: Sequence[Verb] = VERBS) -> tuple[Block, ...]:
    """The generated block ``generate`` and ``check`` keep current in docs/cli.md."""
    return ((MARKDOWN_BEGIN, MARKDOWN_END, render_markdown(verbs)),)


def render_markdown(verbs: Sequence[Verb] = VERBS) -> str:
    """The docs' table: one line per verb, its command, its sessions, what it does."""
    lines = [
        "| Command | nox sessions | `--digests DIR` | What it does |",
        "|---|---|---|---|",
    ]
    for verb in verbs:
        selection = " SELECTION" if verb.takes_selection else ""
        sessions = f"`{verb.name}-<target or group>`" if verb.takes_selection else verb.name
        digests = "needed" if verb.digests else ""
        lines.append(
            f"| `python -m bake {verb.name}{selection}` | {sessions} | {digests} | {verb.help} |"
        )
    return "\n".join(lines) + "\n"
