"""The one table every benchmark prints, the machine it ran on, and timing helpers.

A row is a measure taken as a ratio: ``ours / baseline``, both measured in the same run,
interleaved, median over the rounds. ``goal`` is the ratio the measure should stay
within; percentage goals (P3–P5) print the ratio as a percentage.
"""

from __future__ import annotations

import contextlib
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Row",
    "cpu_timed",
    "machine",
    "median",
    "not_available",
    "quiet",
    "render",
    "say",
    "timed",
]


@dataclass(frozen=True)
class Row:
    """One measure: what, against what, both times, and the goal for ours / baseline."""

    id: str
    measure: str
    baseline: str  # what the baseline is, with its time
    ours: str  # what we ran, with its time
    ratio: float | None  # ours / baseline; None when not measured
    goal: float | None  # met when ratio <= goal
    percent: bool = False  # show ratio and goal as percentages
    note: str = ""

    @property
    def met(self) -> str:
        if self.ratio is None or self.goal is None:
            return "n/a"
        return "yes" if self.ratio <= self.goal else "NO"

    def cells(self) -> tuple[str, ...]:
        return (
            self.id,
            self.measure,
            self.baseline,
            self.ours,
            _ratio(self.ratio, self.percent),
            "≤ " + _ratio(self.goal, self.percent) if self.goal is not None else "-",
            self.met,
        )


def not_available(id_: str, measure: str, why: str) -> Row:
    """A row for a measure that cannot be taken here (yet)."""
    return Row(id_, measure, "n/a", "n/a", None, None, note=why)


def _ratio(value: float | None, percent: bool) -> str:
    if value is None:
        return "n/a"
    return f"{value * 100:.1f} %" if percent else f"{value:.2f}×"


HEADER = ("id", "measure", "baseline", "ours", "ratio", "goal", "met?")


def render(rows: Sequence[Row]) -> str:
    """A Markdown table (readable in a terminal, pasteable into docs/benchmarks.md), then notes."""
    table = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(line[c]) for line in table) for c in range(len(HEADER))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |"
        for line in table
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    notes = [f"- {row.id}: {row.note}" for row in rows if row.note]
    return "\n".join(lines + ([""] + notes if notes else []))


def machine() -> str:
    """Cores, memory, load, Docker and buildx versions: what the numbers depend on."""
    memory = "?"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"machine: {os.cpu_count()} cores, {memory} memory, load {load} (1/5/15 min), "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}, "
        f"Docker {_version(['docker', 'version', '--format', '{{.Server.Version}}'])}, "
        f"buildx {_version(['docker', 'buildx', 'version'])}"
    )


def _version(cmd: list[str]) -> str:
    if shutil.which(cmd[0]) is None:
        return "absent"
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    words = proc.stdout.split()
    if proc.returncode != 0 or not words:
        return "unavailable"
    return words[1] if cmd[1] == "buildx" and len(words) > 1 else words[0]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def timed(action: Callable[[], object]) -> float:
    """Seconds ``action`` takes (wall clock: what a user waits)."""
    start = time.monotonic()
    action()
    return time.monotonic() - start


def cpu_timed(action: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child processes ``action`` ran and waited for).

    CPU time hardly depends on how busy a shared machine is, so it tells the program's
    own cost apart from waiting for a core."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = timed(action)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def say(text: str) -> None:
    """Progress, on the terminal's stderr even while ``quiet`` holds the build output."""
    print(text, file=_TERMINAL, flush=True)


_TERMINAL = sys.stderr


@contextlib.contextmanager
def quiet(log: Path) -> Iterator[None]:
    """Send everything written to fds 1 and 2 (ours and every subprocess's) to ``log``."""
    global _TERMINAL
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    terminal = os.fdopen(os.dup(2), "w")
    with open(log, "a", encoding="utf-8") as handle:
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
        _TERMINAL = terminal
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            terminal.close()
            _TERMINAL = sys.stderr
