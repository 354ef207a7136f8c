"""P3, P3b and P5 for firefox on the reference family (family.yaml); P2 and P4 with --only.

On a private copy of the family (family.yaml and dockerfiles/, with a run id stamped into
the base's Dockerfile so the copy's build is cold for every step after ``FROM``;
benchmarks/families.py), selection ``firefox`` (base and firefox, every platform):

- cold: ``pipeline.build`` (what ``nox -s build-firefox`` runs), once;
- P3: the same again with nothing changed (median of ``--noops`` runs), against cold;
- P3b: the same no-op against plain ``docker buildx bake -f docker-bake.hcl firefox`` run
  in the copy with nothing changed (one untimed warm-up, then the median of ``--noops``);
- P5: the smoke phase of ``pipeline.test`` (what ``nox -s test-firefox`` runs, as the
  pipeline reports it: "test: N checks ran in Xs"), against cold.

``--keep`` leaves the copy and its images (its folder is printed), and ``--smoke-again
FOLDER`` measures only P5's smoke phase again on a kept copy (before/after a change of the
smoke tests, without another cold build). A cold 3-platform firefox build takes about 7
minutes on 2 cores.

``--only P2,P4`` (or any of P2, P3, P3b, P4, P5; default P3,P3b,P5) adds or picks P2 and
P4, on selection ``firefox-all`` with a fresh copy per build: see
benchmarks/reference_builds.py.

    python benchmarks/reference.py [--noops 3] [--keep] [--smoke-again FOLDER]
    python benchmarks/reference.py --only P2,P4 --platforms linux/amd64,linux/arm64
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bake.build import pipeline
from bake.core import run
from bake.emit import generated
from benchmarks import reference_builds, scoped_cache
from benchmarks.families import copy_reference
from benchmarks.table import Row, machine, median, quiet, render, say, timed

__all__ = ["Samples", "copy_reference", "forget", "measure", "rows", "warm"]

SELECTION = "firefox"
WARM_MEASURES = frozenset({"P3", "P3B", "P5"})  # on one copy: cold, then no-ops and smoke
NAMESPACE = "127.0.0.1:5000/t-bench-ref"
SMOKE_REPORT = re.compile(r"^test: (\d+) checks ran in ([0-9.]+)s$", re.MULTILINE)
PROGRESS = re.compile(r"^\[\d+/\d+\] (\S+) (\S+) (\S+) \S+ ([0-9.]+)s", re.MULTILINE)


@dataclass
class Samples:
    cold: list[float] = field(default_factory=list)
    noop: list[float] = field(default_factory=list)
    plain_noop: list[float] = field(default_factory=list)
    smoke: list[float] = field(default_factory=list)
    checks: int = 0
    cells: int = 0
    breakdown: str = ""


def plan_for(folder: Path, platforms: tuple[str, ...] = ()) -> pipeline.Plan:
    run_id = folder.name
    overrides = {"REGISTRY": NAMESPACE, "TAG": run_id, "VERSION": "", "SHA": "", "CREATED": ""}
    options = pipeline.Options.from_env(os.environ)
    return pipeline.make_plan(
        folder / "family.yaml", SELECTION, overrides, options, os.environ, platforms
    )


def plain_noop(plan: pipeline.Plan) -> None:
    """Plain bake of the copy's generated file, as a buildx user types it."""
    cmd = ["docker", "buildx", "bake", "-f", generated.HCL_NAME, SELECTION]
    if plan.platform_filter:  # the pipeline's --platform, as a plain bake user gives it
        cmd += ["--set", f"*.platform={','.join(plan.platform_filter)}"]
    run.run(cmd, cwd=plan.family.root)


def smoke_seconds(plan: pipeline.Plan, log: Path, samples: Samples) -> float:
    start = log.stat().st_size if log.exists() else 0
    pipeline.test(plan)
    with open(log, encoding="utf-8", errors="replace") as handle:
        handle.seek(start)
        text = handle.read()
    checks, seconds = SMOKE_REPORT.findall(text)[-1]
    samples.checks = int(checks)
    samples.breakdown = breakdown(text)
    return float(seconds)


def breakdown(text: str) -> str:
    """Where the smoke phase's time went: the checks' own seconds per platform (from the
    progress lines), the slowest checks; the rest of the phase is container start-up."""
    per_platform: dict[str, float] = {}
    slow: list[tuple[float, str]] = []
    for _image, platform, name, seconds in PROGRESS.findall(text):
        per_platform[platform] = per_platform.get(platform, 0.0) + float(seconds)
        slow.append((float(seconds), f"{name}@{platform}"))
    slow.sort(reverse=True)
    sums = ", ".join(f"{p} {s:.1f} s" for p, s in per_platform.items())
    top = ", ".join(f"{name} {s:.1f} s" for s, name in slow[:6])
    return f"checks' own time per platform: {sums}; slowest: {top}"


def start_up(plan: pipeline.Plan, rounds: int = 3) -> str:
    """Seconds to start and remove a container that runs ``true``, per platform (median)."""
    image = plan.images[0]
    ref = plan.refs(image)[0]
    parts = []
    for platform in image.platforms:
        cmd = ["docker", "run", "--rm", "--pull", "never", "--platform", platform]
        cmd += ["--entrypoint", "/bin/sh", ref, "-c", "true"]
        times = [timed(lambda c=cmd: run.run(c, capture=True)) for _ in range(rounds)]  # type: ignore[misc]
        parts.append(f"{platform} {median(times):.1f} s")
    return "container start-up (`true`): " + ", ".join(parts)


def measure(
    workdir: Path, noops: int, log: Path, samples: Samples, platforms: tuple[str, ...] = ()
) -> pipeline.Plan:
    run_id = f"ref{uuid.uuid4().hex[:10]}"
    folder = workdir / run_id
    copy_reference(folder, run_id)
    plan = plan_for(folder, platforms)
    samples.cells = sum(len(image.platforms) for image in plan.images)
    say(f"reference copy: {folder}")
    with quiet(log):
        samples.cold.append(timed(lambda: pipeline.build(plan)))
        say(f"cold {samples.cold[-1]:.1f}s")
    warm(plan, noops, log, samples)
    return plan


def warm(plan: pipeline.Plan, noops: int, log: Path, samples: Samples) -> None:
    """The measures on a built copy: no-op builds, plain bake no-ops, the smoke phase."""
    with quiet(log):
        for _ in range(noops):
            samples.noop.append(timed(lambda: pipeline.build(plan)))
        say(f"no-op {samples.noop}")
        generated.write_files(generated.expected_files(plan.family, plan.config_path))
        plain_noop(plan)  # warm-up: plain bake's own cache records
        for _ in range(noops):
            samples.plain_noop.append(timed(lambda: plain_noop(plan)))
        say(f"plain bake no-op {samples.plain_noop}")
        samples.smoke.append(smoke_seconds(plan, log, samples))
        say(f"smoke {samples.smoke[-1]:.1f}s ({samples.checks} checks)")


def rows(samples: Samples) -> list[Row]:
    what = f"family.yaml, {SELECTION}: base + firefox, {samples.cells} image × platform cells"
    out: list[Row] = []
    if samples.cold and samples.noop:
        cold, noop = median(samples.cold), median(samples.noop)
        out.append(
            Row(
                "P3",
                f"no-op `build-firefox` ({what})",
                f"cold {cold:.1f} s",
                f"{noop:.1f} s",
                noop / cold,
                0.03,
                True,
            )
        )
    if samples.noop and samples.plain_noop:
        noop, plain = median(samples.noop), median(samples.plain_noop)
        out.append(
            Row(
                "P3b",
                "the same no-op vs plain `docker buildx bake -f docker-bake.hcl firefox`",
                f"plain bake no-op {plain:.1f} s",
                f"{noop:.1f} s",
                noop / plain,
                5.0,
            )
        )
    if samples.cold and samples.smoke:
        cold, smoke = median(samples.cold), median(samples.smoke)
        out.append(
            Row(
                "P5",
                f"smoke phase of `test-firefox` ({samples.checks} checks)",
                f"cold build {cold:.1f} s",
                f"{smoke:.1f} s",
                smoke / cold,
                0.20,
                True,
            )
        )
    return out


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    only = {part.strip().upper() for part in args.only.split(",") if part.strip()}
    if not only or only - WARM_MEASURES - reference_builds.MEASURES:
        _parser().error(f"--only: some of P2, P3, P3b, P4, P5 (got {args.only!r})")
    say(f"build output goes to {args.log}")
    print(machine(), flush=True)
    samples = Samples()
    platforms = tuple(p for p in args.platforms.split(",") if p)
    if args.smoke_again:
        plan = plan_for(args.smoke_again.resolve(), platforms)
        with quiet(args.log):
            samples.smoke.append(smoke_seconds(plan, args.log, samples))
        print(f"smoke phase {samples.smoke[-1]:.1f} s, {samples.checks} checks")
        print(samples.breakdown)
        print(start_up(plan))
        print(machine())
        return
    if args.warm:
        warm(plan_for(args.warm.resolve(), platforms), args.noops, args.log, samples)
        print(machine())
        print(render(rows(samples)))
        print(samples.breakdown)
        return
    workdir = Path(tempfile.mkdtemp(prefix="t-bench-ref-"))
    table: list[Row] = []
    if only & reference_builds.MEASURES:  # P2, P4: firefox-all, a fresh copy per build
        builds = reference_builds.BuildSamples()
        reference_builds.measure(workdir, args.log, builds, platforms, only)
        table += reference_builds.rows(builds)
    if only & WARM_MEASURES:
        plan = measure(workdir, args.noops, args.log, samples, platforms)
        table += [row for row in rows(samples) if row.id.upper() in only]
        if not args.keep:
            forget(plan)
    print(machine())
    print(render(table))
    if samples.breakdown:
        print(samples.breakdown)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="P3,P3b,P5", help="some of P2, P3, P3b, P4, P5")
    parser.add_argument("--noops", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the copy and its images")
    parser.add_argument("--warm", type=Path, help="a kept, built copy: all but the cold build")
    parser.add_argument("--smoke-again", type=Path, help="a kept copy: its smoke phase only")
    parser.add_argument("--platforms", default="", help="comma-separated (default: all)")
    parser.add_argument("--log", type=Path, default=Path(tempfile.gettempdir()) / "t-bench-ref.log")
    return parser


def forget(plan: pipeline.Plan) -> None:
    """Remove the copy's images, build cache records and reuse state (nobody else's)."""
    scoped_cache.forget_copy(plan, plan.family.root.name)


if __name__ == "__main__":
    main()
