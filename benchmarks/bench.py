"""Every benchmark (P1–P6) in one run, one table: ``nox -s bench`` runs this.

    python benchmarks/bench.py                 # all of them (about 30 min on 2 busy cores)
    python benchmarks/bench.py --only P1,P3    # some of them
    python benchmarks/bench.py --quick         # CI: P1 on 10/30 targets, P3 on tests/fixtures/tiny
    python benchmarks/bench.py --only P3,P5 --reference-platforms linux/amd64,linux/arm64
    python benchmarks/bench.py --only P2,P4 --reference-platforms linux/amd64,linux/arm64

Build output goes to a log file (named on stderr); the table goes to stdout. Each
measure is a ratio of ours to its baseline, both taken in this run; see the module of
each measure for what exactly runs: p1_generate.py, builds.py (P2–P5), p6_stage_merge.py.
The reference family is measured too, unless --quick: P3, P3b and P5 for firefox
(reference.py), P2 and P4 for firefox-all (reference_builds.py: three more cold builds
and one from the registry cache, one round whatever --rounds says).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import builds, p1_generate, p6_stage_merge, reference, reference_builds
from benchmarks.families import BENCH_FIXTURE, TINY_FIXTURE
from benchmarks.table import Row, machine, render, say

__all__ = ["main", "run_all"]

ALL = ("P1", "P2", "P3", "P3B", "P4", "P5", "P6")
BUILD_MEASURES = {"P2", "P3", "P4", "P5"}
REFERENCE_MEASURES = {"P2", "P3", "P3B", "P4", "P5"}


def reference_rows(only: set[str], log: Path, platforms: tuple[str, ...]) -> list[Row]:
    """P3, P3b, P5 for firefox and P2, P4 for firefox-all on the reference family."""
    table: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="t-bench-ref-") as tmp:
        if only & reference_builds.MEASURES:
            builds_samples = reference_builds.BuildSamples()
            reference_builds.measure(Path(tmp), log, builds_samples, platforms, only)
            table += reference_builds.rows(builds_samples)
        if only & reference.WARM_MEASURES:
            samples = reference.Samples()
            plan = reference.measure(Path(tmp), 3, log, samples, platforms)
            reference.forget(plan)
            table += [row for row in reference.rows(samples) if row.id.upper() in only]
    return table


def run_all(
    only: set[str], rounds: int, quick: bool, log: Path, platforms: tuple[str, ...] = ()
) -> list[Row]:
    """The rows of the measures in ``only`` (quick: P1 and P3, small, one round of builds)."""
    table: list[Row] = []
    if "P1" in only:
        table += p1_generate.rows(rounds=3 if quick else 5, quick=quick)
    if only & BUILD_MEASURES:
        source = TINY_FIXTURE if quick else BENCH_FIXTURE
        samples = builds.measure(source, 1 if quick else rounds, quick, log)
        name = source.relative_to(BENCH_FIXTURE.parent.parent).as_posix()
        table += [row for row in builds.rows(samples, name) if row.id[:2] in only]  # P2b with P2
    if only & REFERENCE_MEASURES and not quick:
        table += reference_rows(only, log, platforms)
    if "P6" in only and not quick:
        table += p6_stage_merge.rows(rounds, log)
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(ALL), help="comma-separated ids (P1,…,P6, P3b)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the builds (P2–P6)")
    parser.add_argument("--quick", action="store_true", help="the small variant CI runs")
    parser.add_argument(
        "--reference-platforms", default="", help="restrict the reference family's platforms"
    )
    parser.add_argument("--log", type=Path, default=Path(tempfile.gettempdir()) / "t-bench.log")
    args = parser.parse_args(argv)
    only = {part.strip().upper() for part in args.only.split(",") if part.strip()}
    unknown = only - set(ALL)
    if unknown:
        parser.error(f"unknown measures {sorted(unknown)}; expected some of {', '.join(ALL)}")
    if args.quick:
        only &= {"P1", "P3"}
    say(f"build output goes to {args.log}")
    start_machine = machine()
    platforms = tuple(p for p in args.reference_platforms.split(",") if p)
    table = run_all(only, args.rounds, args.quick, args.log, platforms)
    print(start_machine)
    print(render(table))


if __name__ == "__main__":
    main()
