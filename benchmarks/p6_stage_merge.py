"""P6: per-platform stage jobs and a merge, run one after another, against a single-host
multi-platform push of the same fixture family.

Ours: ``python -m bake stage all --platform P --digests DIR`` for each platform, then
``python -m bake merge all --digests DIR`` (what CI's per-platform jobs run, here on one
host in a row). Baseline: ``nox -s push-all`` (build, test, push, read back) on one host.
Both on fresh copies of benchmarks/fixture (cold), alternating which goes first; each
pushes under its own tag of 127.0.0.1:5000/t-bench-*. Stage and merge come from the
publish work; before it is here the row says n/a.

    python benchmarks/p6_stage_merge.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bake.core import run
from benchmarks.copies import Copy, fixture
from benchmarks.families import BENCH_FIXTURE
from benchmarks.table import Row, machine, median, not_available, quiet, render, say, timed

__all__ = ["available", "main", "rows"]

ROOT = Path(__file__).resolve().parent.parent
MEASURE = "per-platform stage jobs + merge, one after another"


def available() -> bool:
    """Whether ``python -m bake stage`` exists on this branch."""
    proc = run.run(
        [sys.executable, "-m", "bake", "stage", "--help"],
        cwd=ROOT,
        capture=True,
        check=False,
        echo=False,
    )
    return proc.returncode == 0


def _variables(copy: Copy) -> list[str]:
    return [f"{name}={value}" for name, value in copy.plan.bake_env().items()]


def stage_and_merge(copy: Copy, digests: Path) -> None:
    bake = [sys.executable, "-m", "bake", "--config", str(copy.plan.config_path)]
    for platform in copy.plan.platforms:
        stage = ["stage", "all", "--platform", platform, "--digests", str(digests)]
        run.run([*bake, *stage, *_variables(copy)], cwd=ROOT)
    run.run([*bake, "merge", "all", "--digests", str(digests), *_variables(copy)], cwd=ROOT)


def single_host_push(copy: Copy) -> None:
    env = {"BAKE_CONFIG": str(copy.plan.config_path)}
    nox = [sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), "-s", "push-all", "--"]
    run.run([*nox, *_variables(copy)], cwd=ROOT, env={**os.environ, **env})


def _round(workdir: Path, round_: int, log: Path) -> tuple[float, float]:
    """(stage + merge seconds, single-host push seconds); the first goes first in odd rounds."""
    staged = Copy(workdir, fixture(BENCH_FIXTURE), "stage")
    pushed = Copy(workdir, fixture(BENCH_FIXTURE), "push")
    digests = workdir / staged.run_id / "digests"
    with quiet(log):
        if round_ % 2 == 0:
            push_seconds = timed(lambda: single_host_push(pushed))
        stage_seconds = timed(lambda: stage_and_merge(staged, digests))
        if round_ % 2 == 1:
            push_seconds = timed(lambda: single_host_push(pushed))
        staged.forget()
        pushed.forget()
    return stage_seconds, push_seconds


def rows(rounds: int, log: Path) -> list[Row]:
    if not available():
        return [not_available("P6", MEASURE, "`python -m bake stage` is not on this branch yet")]
    ours, baseline = [], []
    with tempfile.TemporaryDirectory(prefix="t-bench-p6-") as tmp:
        for round_ in range(1, rounds + 1):
            staged, pushed = _round(Path(tmp), round_, log)
            ours.append(staged)
            baseline.append(pushed)
            say(f"P6 round {round_}: stage+merge {staged:.1f}s, push-all {pushed:.1f}s")
    return [
        Row(
            "P6",
            MEASURE,
            f"single-host push {median(baseline):.1f} s",
            f"{median(ours):.1f} s",
            median(ours) / median(baseline),
            1.1,
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    log = Path(tempfile.gettempdir()) / "t-bench-p6.log"
    say(f"build output goes to {log}")
    table = rows(args.rounds, log)
    print(machine())
    print(render(table))


if __name__ == "__main__":
    main()
