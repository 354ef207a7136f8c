"""Every text the tool shows a person, rendered in one place: the plan printed before a
run; while a test run goes, a progress line per finished check; at its end an image ×
platform table of pass/fail and seconds, then each failed check with its output, and,
when it is interrupted, what was left undone; the push verdicts; the CI plan; and the
``list``/``show`` listings. Pure text from data (``Progress`` only adds the printing),
so it is tested without docker; the pipeline modules plan and act.
"""

from __future__ import annotations

import sys
import textwrap
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

from bake import recipe
from bake.ciplan import CiPlan
from bake.family import Family, Image
from bake.naming import Variables, image_refs
from bake.registry import Verdict
from bake.smoke import Check, Outcome

__all__ = [
    "Cell",
    "PlanView",
    "Progress",
    "cells",
    "describe_image",
    "progress_line",
    "render_attestations",
    "render_ci_plan",
    "render_failures",
    "render_interrupted",
    "render_list",
    "render_plan",
    "render_show",
    "render_summary",
    "render_table",
    "render_verdicts",
]

MISSING = "-"  # the image is not built for that platform


@dataclass(frozen=True)
class Cell:
    """The checks of one image on one platform."""

    image: str
    platform: str
    outcomes: tuple[Outcome, ...]

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outcomes)

    @property
    def seconds(self) -> float:
        return sum(o.seconds for o in self.outcomes)

    @property
    def failed(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.passed)


def cells(outcomes: Sequence[Outcome]) -> tuple[Cell, ...]:
    """Group outcomes by (image, platform), keeping first-seen order."""
    grouped: dict[tuple[str, str], list[Outcome]] = {}
    for outcome in outcomes:
        grouped.setdefault((outcome.check.image, outcome.check.platform), []).append(outcome)
    return tuple(
        Cell(image, platform, tuple(items)) for (image, platform), items in grouped.items()
    )


def _cell_text(cell: Cell | None) -> str:
    if cell is None:
        return MISSING
    word = "pass" if cell.passed else "FAIL"
    failed = f" ({', '.join(o.check.name for o in cell.failed)})" if cell.failed else ""
    return f"{word} {cell.seconds:6.1f}s{failed}"


def render_table(table: Sequence[Cell]) -> str:
    """Rows are images, columns platforms; each cell 'pass 12.3s' or 'FAIL 4.0s (test)'."""
    images = list(dict.fromkeys(c.image for c in table))
    platforms = list(dict.fromkeys(c.platform for c in table))
    by_key = {(c.image, c.platform): c for c in table}
    rows = [["image", *platforms]]
    rows += [[image, *(_cell_text(by_key.get((image, p))) for p in platforms)] for image in images]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def render_failures(table: Sequence[Cell]) -> str:
    """Every failed check: where, which test, why, and its output indented."""
    blocks = []
    for cell in table:
        for outcome in cell.failed:
            check = outcome.check
            source = (
                f" (from {check.origin})" if check.origin and check.origin != check.image else ""
            )
            output = textwrap.indent(outcome.output.rstrip("\n") or "(no output)", "    ")
            blocks.append(
                f"FAILED {check.image} on {check.platform}: test {check.name!r}{source}: "
                f"{outcome.reason}\n  $ {check.script}\n{output}"
            )
    return "\n\n".join(blocks)


def render_summary(outcomes: Sequence[Outcome]) -> str:
    """Table, failures (if any) and a closing verdict line."""
    table = cells(outcomes)
    failed = [c for c in table if not c.passed]
    parts = [render_table(table)]
    if failed:
        parts.append(render_failures(table))
    verdict = "all passed" if not failed else f"{len(failed)} failed"
    parts.append(
        f"smoke tests: {verdict} ({len(table) - len(failed)} of {len(table)} "
        f"image × platform cells passed, {len(outcomes)} checks)"
    )
    return "\n\n".join(parts)


# --- before and after a run ---------------------------------------------------------------


class PlanView(Protocol):
    """What ``render_plan`` reads of a ``pipeline.Plan`` (no import of the pipeline here)."""

    @property
    def selection(self) -> str: ...
    @property
    def config_path(self) -> Path: ...
    @property
    def images(self) -> tuple[Image, ...]: ...
    @property
    def platforms(self) -> tuple[str, ...]: ...
    def bake_env(self) -> dict[str, str]: ...
    def refs(self, image: Image) -> tuple[str, ...]: ...


def render_plan(plan: PlanView, action: str) -> str:
    """The resolved plan, printed before any work starts."""
    lines = [
        f"plan: {action} {plan.selection!r} from {plan.config_path} "
        f"({len(plan.images)} images, platforms {', '.join(plan.platforms)})",
        "  variables: " + " ".join(f"{k}={v!r}" for k, v in plan.bake_env().items()),
    ]
    width = max(len(image.name) for image in plan.images)
    for image in plan.images:
        lines.append(f"  {image.name.ljust(width)}  [{image.tier}] {', '.join(image.platforms)}")
        lines += [f"  {' ' * width}    → {ref}" for ref in plan.refs(image)]
    return "\n".join(lines)


def render_attestations(sbom_generator: str | None) -> str:
    """Which attestations the build attaches."""
    sbom = f"SBOM by {sbom_generator}" if sbom_generator else "no SBOM"
    return f"  attestations: provenance (mode=max), {sbom}"


def render_verdicts(verdicts: Sequence[Verdict]) -> str:
    """One line per pushed ref (ok/FAIL, digest), each problem indented below it."""
    lines = []
    for verdict in verdicts:
        lines.append(f"{'ok  ' if verdict.ok else 'FAIL'}  {verdict.ref}  {verdict.digest or '-'}")
        lines += [f"      {problem}" for problem in verdict.problems]
    return "\n".join(lines)


# --- listings -----------------------------------------------------------------------------


def render_list(family: Family) -> str:
    """``list``: targets with tier, parent and platforms, then the groups."""
    rows = [("TARGET", "TIER", "PARENT", "PLATFORMS")]
    rows += [(i.name, str(i.tier), i.parent or "-", ",".join(i.platforms)) for i in family.images]
    widths = [max(len(row[c]) for row in rows) for c in range(3)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[3]
        for row in rows
    ]
    lines.append("")
    lines += [f"group {group.name}: {' '.join(group.targets)}" for group in family.groups]
    return "\n".join(lines)


def render_show(image: Image, variables: Variables) -> str:
    """``show``: one image's chain, platforms, files, parent link, tags and tests."""
    lines = [
        f"{image.name} ({image.tier}): {image.description}",
        f"  chain:      {' → '.join(image.chain)}",
        f"  platforms:  {', '.join(image.platforms)}",
    ]
    if image.recipe is None:
        lines.append(f"  dockerfile: {image.dockerfile} (context {image.context})")
    else:
        lines += [
            f"  {key + ':':<11} {value}" for key, value in recipe.describe(image.recipe).items()
        ]
    if image.parent:
        lines.append(f"  contexts:   {image.context_name} = target:{image.parent}")
    lines.append("  tags:")
    lines += [f"    {ref}" for ref in image_refs(image, variables)]
    lines.append("  tests:")
    for test in image.tests:
        expect = f"  ⇒ /{test.expect}/" if test.expect else ""
        lines.append(f"    [{test.origin}] {test.name}: {test.run}{expect}")
    return "\n".join(lines)


def describe_image(image: Image, variables: Variables) -> Mapping[str, object]:
    """``show --json``: the same facts as data."""
    return {
        "name": image.name,
        "tier": str(image.tier),
        "parent": image.parent,
        "chain": list(image.chain),
        "platforms": list(image.platforms),
        "dockerfile": image.dockerfile,
        "context": image.context,
        "recipe": None if image.recipe is None else recipe.describe(image.recipe),
        "tags": list(image_refs(image, variables)),
        "tests": [
            {"name": t.name, "run": t.run, "expect": t.expect, "from": t.origin}
            for t in image.tests
        ],
    }


# --- the CI plan -------------------------------------------------------------------------


def render_ci_plan(plan: CiPlan) -> str:
    """``plan`` (the CI plan) as text: the build jobs, then what merge sets."""
    lines = [f"CI plan for {plan.selection!r}: {len(plan.jobs)} build jobs, then one merge"]
    for job in plan.jobs:
        qemu = " (QEMU)" if job.qemu else ""
        lines.append(
            f"  build {job.id}: {job.platform} on {job.runner}{qemu}: {' '.join(job.targets)}"
        )
    lines.append("  merge:")
    for image in plan.images:
        lines.append(f"    {image.name}: {', '.join(image.platforms)}")
        lines += [f"      → {tag}" for tag in image.tags]
    return "\n".join(lines)


def progress_line(done: int, total: int, outcome: Outcome) -> str:
    """``[12/328] firefox linux/arm64 firefox-version pass 3.2s`` (a failure says why)."""
    check = outcome.check
    verdict = "pass" if outcome.passed else "FAIL"
    why = "" if outcome.passed else f" ({outcome.reason})"
    return (
        f"[{done}/{total}] {check.image} {check.platform} {check.name} "
        f"{verdict} {outcome.seconds:.1f}s{why}"
    )


class Progress:
    """Prints a progress line per finished check and keeps the outcomes (thread-safe)."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.outcomes: list[Outcome] = []
        self._stream = stream
        self._lock = threading.Lock()

    def __call__(self, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)
            line = progress_line(len(self.outcomes), self.total, outcome)
            print(line, file=self._stream or sys.stderr, flush=True)


def render_interrupted(reason: str, checks: Sequence[Check], finished: Sequence[Outcome]) -> str:
    """Why the run stopped, how far it got, and every check that did not run, per cell."""
    ran = {id(outcome.check) for outcome in finished}
    failed = sum(not outcome.passed for outcome in finished)
    lines = [
        f"{reason}: {len(finished)} of {len(checks)} checks finished "
        f"({len(finished) - failed} passed, {failed} failed) before the run stopped; "
        "its containers were removed"
    ]
    left: dict[tuple[str, str], list[str]] = {}
    for check in checks:
        if id(check) not in ran:
            left.setdefault((check.image, check.platform), []).append(check.name)
    if left:
        lines.append(f"not run ({sum(len(names) for names in left.values())} checks):")
        lines += [
            f"  {image} on {platform}: {', '.join(names)}"
            for (image, platform), names in left.items()
        ]
    return "\n".join(lines)
