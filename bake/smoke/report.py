"""The smoke run as text: a progress line per finished check while it goes; at its end
an image × platform table of pass/fail and seconds, then each failed check with its
output, and, when it is interrupted, what was left undone. Pure text from outcomes
(``Progress`` only adds the printing), so it is tested without docker.
"""

from __future__ import annotations

import sys
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from bake.smoke.suite import Check, Outcome

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
