"""P1: ``python -m bake generate`` against ``docker buildx bake --print all`` on its output.

Both are what a user waits for at the command line (a fresh interpreter or CLI each
time). Per family size (100, 300 and 600 targets: base + N apps × (app + 2 variants)),
the two alternate for ``--rounds`` rounds after one warm-up each; the generated files
are deleted before every ``generate`` so it really writes them. The last row checks that
``generate`` stays linear: the CPU time per added target from 300 to 600 targets against
that from 100 to 300 (CPU time, because wall time on a shared machine is mostly waiting).

    python benchmarks/p1_generate.py [--rounds 5] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bake.core import run
from bake.model.family import load_family
from benchmarks.families import apps_for_targets, write_generate_family
from benchmarks.table import Row, cpu_timed, machine, median, render, say

__all__ = ["main", "rows"]

ROOT = Path(__file__).resolve().parent.parent
SIZES = (100, 300, 600)
QUICK_SIZES = (10, 30)
LINEAR_GOAL = 1.3  # marginal cost per target may grow this much (noise) and still count as linear


def _generate(config: Path) -> None:
    for name in ("docker-bake.hcl", "docker-bake.json"):
        (config.parent / name).unlink(missing_ok=True)
    run.run(
        [sys.executable, "-m", "bake", "--config", str(config), "generate"],
        cwd=ROOT,
        capture=True,
        echo=False,
    )


def _print_all(config: Path) -> None:
    run.run(
        ["docker", "buildx", "bake", "-f", "docker-bake.hcl", "--print", "all"],
        cwd=config.parent,
        capture=True,
        echo=False,
    )


def _measure(folder: Path, targets: int, rounds: int) -> tuple[int, float, float, float, float]:
    """(targets, generate s, --print s, generate CPU s, --print CPU s), medians of ``rounds``."""
    config = write_generate_family(folder, apps_for_targets(targets))
    _generate(config)  # warm-up: the OS caches the interpreter and docker binaries
    _print_all(config)
    ours, baseline = [], []
    for _ in range(rounds):
        ours.append(cpu_timed(lambda: _generate(config)))
        baseline.append(cpu_timed(lambda: _print_all(config)))
    count = len(load_family(config).images)
    wall, cpu = median([w for w, _ in ours]), median([c for _, c in ours])
    base_wall, base_cpu = median([w for w, _ in baseline]), median([c for _, c in baseline])
    say(f"P1 {count} targets: generate {wall:.2f}s (cpu {cpu:.2f}s), --print {base_wall:.2f}s")
    return count, wall, base_wall, cpu, base_cpu


def rows(rounds: int = 5, quick: bool = False) -> list[Row]:
    """One row per family size (wall time), then the linearity row (CPU time)."""
    sizes = QUICK_SIZES if quick else SIZES
    with tempfile.TemporaryDirectory(prefix="t-bench-p1-") as tmp:
        results = [_measure(Path(tmp) / str(size), size, rounds) for size in sizes]
    out = [
        Row(
            "P1" if size == sizes[-1] else f"P1-{targets}",
            f"`generate` of {targets} targets",
            f"`--print all` {baseline:.2f} s (cpu {base_cpu:.2f} s)",
            f"{ours:.2f} s (cpu {cpu:.2f} s)",
            ours / baseline,
            1.0,
        )
        for size, (targets, ours, baseline, cpu, base_cpu) in zip(sizes, results, strict=True)
    ]
    out.append(_linearity([(targets, cpu, base_cpu) for targets, _, _, cpu, base_cpu in results]))
    return out


def _linearity(results: list[tuple[int, float, float]]) -> Row:
    """Marginal seconds per target over the last step against the step before it."""
    steps = [
        (t2 - t1, (s2 - s1) / (t2 - t1))
        for (t1, s1, _), (t2, s2, _) in zip(results, results[1:], strict=False)
    ]
    if len(steps) < 2:  # quick: one step only; compare it with the average per target
        first = results[0][1] / results[0][0]
        steps.insert(0, (results[0][0], first))
    (_, before), (_, after) = steps[-2], steps[-1]
    sizes = "→".join(str(t) for t, _, _ in results)
    return Row(
        "P1-lin",
        f"`generate` CPU time per added target ({sizes} targets)",
        f"{before * 1000:.2f} ms (first step)",
        f"{after * 1000:.2f} ms (last step)",
        after / before if before > 0 else None,
        LINEAR_GOAL,
        note="linear when the last step costs no more per target than the one before (±30 % noise)",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="10 and 30 targets, for CI")
    args = parser.parse_args()
    table = rows(args.rounds, args.quick)
    print(machine())
    print(render(table))


if __name__ == "__main__":
    main()
