"""P2–P5: builds, caches and smoke tests of the fixture family (benchmarks/fixture).

Per round, on fresh copies of the fixture (so each build is cold; benchmarks/scoped_cache.py):

- P2 baseline, the image-by-image way: ``docker buildx build`` per image, parents first;
  an image with children is pushed (its children pull it from the registry through a
  ``docker-image://`` named context), the others are loaded like ours; the same
  attestations as ours (benchmarks/copies.py, shared with the reference family). Ours: the pipeline's one bake call (``nox -s build-all``).
  Baseline and ours alternate which goes first. P2b: the generated bake file run by
  plain ``docker buildx bake all --load`` (same attestations), to tell the bake call's
  share from the pipeline's.
- P3: the same build of ours again, nothing changed.
- P5: the smoke phase of ``test-all`` of ours (QEMU smoke tests of every image ×
  platform, as the pipeline times it: "test: N checks ran in Xs"), against ours' cold
  build.
- P4: a cold build with ``CACHE_REGISTRY`` (fills the registry cache), then this run's
  images and cache records are removed and the same build runs again: it may use the
  registry cache only (``copies.registry_cache_build``). Against ours' cold build.

    python benchmarks/builds.py [--rounds 3] [--quick]   # --quick: P3 on tests/fixtures/tiny, 1 round
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bake.build import pipeline
from bake.core import run
from bake.emit import generated
from bake.publish import sbom
from benchmarks.copies import Copy, Subject, baseline, fixture, registry_cache_build
from benchmarks.families import BENCH_FIXTURE, TINY_FIXTURE
from benchmarks.table import Row, machine, median, quiet, render, say, timed

__all__ = ["Samples", "main", "measure", "plain_bake", "rows"]


@dataclass
class Samples:
    """Seconds per round for every build the rows are made of."""

    baseline: list[float] = field(default_factory=list)  # P2 image by image
    plain: list[float] = field(default_factory=list)  # P2b: the bake call without the pipeline
    cold: list[float] = field(default_factory=list)  # ours
    noop: list[float] = field(default_factory=list)  # P3
    smoke: list[float] = field(default_factory=list)  # P5: test-all minus a no-op build
    cached: list[float] = field(default_factory=list)  # P4: empty local cache + registry cache
    images: int = 0
    cells: int = 0


def plain_bake(copy: Copy, attestations: sbom.Attestations) -> None:
    """P2b: the generated bake file as a plain buildx user runs it, same attestations."""
    plan = copy.plan
    generated.write_files(generated.expected_files(plan.family, plan.config_path))
    cmd = ["docker", "buildx", "bake", "-f", generated.HCL_NAME, "all", "--load"]
    run.run([*cmd, *attestations.set_args()], cwd=plan.family.root, env=plan.bake_env())


def measure(source: Path, rounds: int, quick: bool, log: Path) -> Samples:
    """Every sample of every round (quick: cold and no-op only)."""
    samples = Samples()
    with tempfile.TemporaryDirectory(prefix="t-bench-builds-") as tmp:
        workdir = Path(tmp)
        options = pipeline.Options.from_env(os.environ)
        with quiet(log):
            attestations = sbom.attestations(options.sbom_generator, options.tools_registry)
        for round_ in range(1, rounds + 1):
            _round(workdir, fixture(source), round_, quick, attestations, samples, log)
    return samples


def _round(
    workdir: Path,
    subject: Subject,
    round_: int,
    quick: bool,
    attestations: sbom.Attestations,
    samples: Samples,
    log: Path,
) -> None:
    ours = Copy(workdir, subject, "ours")
    samples.images = len(ours.plan.images)
    samples.cells = sum(len(image.platforms) for image in ours.plan.images)
    with quiet(log):
        if not quick and round_ % 2 == 1:
            samples.baseline.append(baseline(workdir, subject, attestations))
        samples.cold.append(timed(lambda: pipeline.build(ours.plan)))
        samples.noop.append(timed(lambda: pipeline.build(ours.plan)))
        if not quick:
            samples.smoke.append(_smoke_seconds(ours, log, samples.noop[-1]))
            if round_ % 2 == 0:
                samples.baseline.append(baseline(workdir, subject, attestations))
            samples.plain.append(_plain(workdir, subject, attestations))
            samples.cached.append(registry_cache_build(workdir, subject))
        ours.forget()
    say(_progress(round_, samples))


SMOKE_REPORT = re.compile(r"^test: \d+ checks ran in ([0-9.]+)s$", re.MULTILINE)


def _smoke_seconds(copy: Copy, log: Path, noop: float) -> float:
    """The smoke phase of ``test-all`` as the pipeline reports it ("test: N checks ran in
    Xs", written to the log), else the whole test run minus a no-op build."""
    start = log.stat().st_size
    seconds = timed(lambda: pipeline.test(copy.plan))
    with open(log, encoding="utf-8", errors="replace") as handle:
        handle.seek(start)
        reported = SMOKE_REPORT.findall(handle.read())
    return float(reported[-1]) if reported else seconds - noop


def _plain(workdir: Path, subject: Subject, attestations: sbom.Attestations) -> float:
    copy = Copy(workdir, subject, "plain")
    seconds = timed(lambda: plain_bake(copy, attestations))
    copy.forget()
    return seconds


def _progress(round_: int, samples: Samples) -> str:
    parts = [
        f"{name} {values[-1]:.1f}s"
        for name, values in (
            ("image-by-image", samples.baseline),
            ("plain bake", samples.plain),
            ("cold", samples.cold),
            ("no-op", samples.noop),
            ("smoke", samples.smoke),
            ("registry cache", samples.cached),
        )
        if values
    ]
    return f"round {round_}: " + ", ".join(parts)


def _p2_rows(samples: Samples, cold: float, what: str) -> list[Row]:
    """P2 and P2b, when the baseline was measured."""
    out = []
    if samples.baseline:
        baseline = median(samples.baseline)
        out.append(
            Row(
                "P2",
                f"cold build in one bake call ({what})",
                f"image by image {baseline:.1f} s",
                f"{cold:.1f} s",
                cold / baseline,
                0.6,
            )
        )
    if samples.baseline and samples.plain:
        baseline, plain = median(samples.baseline), median(samples.plain)
        out.append(
            Row(
                "P2b",
                "the same, plain `docker buildx bake all --load` (no pipeline)",
                f"image by image {baseline:.1f} s",
                f"{plain:.1f} s",
                plain / baseline,
                0.6,
                note="the generated file as plain buildx runs it: what the pipeline adds is the difference to P2",
            )
        )
    return out


def rows(samples: Samples, fixture: str) -> list[Row]:
    """P2–P5 from the samples (P2, P4, P5 only when measured)."""
    cold = median(samples.cold)
    what = f"{fixture}: {samples.images} images, {samples.cells} image × platform cells"
    out = _p2_rows(samples, cold, what)
    noop = median(samples.noop)
    floor = f"images rebuilt from the registry cache are new to this store: each is exported and loaded with its attestations (the no-op, {noop:.1f} s, is the probe alone)"
    out.append(
        Row(
            "P3",
            "no-op rebuild",
            f"cold {cold:.1f} s",
            f"{noop:.1f} s",
            noop / cold,
            0.03,
            True,
            note="a no-op is the probe (bake into OCI layouts, attestations off) and a digest comparison: no export, no load",
        )
    )
    if samples.cached:
        cached = median(samples.cached)
        out.append(
            Row(
                "P4",
                "build on an empty local cache with CACHE_REGISTRY",
                f"cold {cold:.1f} s",
                f"{cached:.1f} s",
                cached / cold,
                0.15,
                True,
                note=floor,
            )
        )
    if samples.smoke:
        smoke = median(samples.smoke)
        out.append(
            Row(
                "P5",
                f"QEMU smoke tests of every image × platform ({samples.cells} cells)",
                f"cold build {cold:.1f} s",
                f"{smoke:.1f} s",
                smoke / cold,
                0.20,
                True,
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="P3 on tests/fixtures/tiny, 1 round")
    args = parser.parse_args()
    source = TINY_FIXTURE if args.quick else BENCH_FIXTURE
    log = Path(tempfile.gettempdir()) / "t-bench-builds.log"
    say(f"build output goes to {log}")
    samples = measure(source, 1 if args.quick else args.rounds, args.quick, log)
    print(machine())
    print(render(rows(samples, source.relative_to(BENCH_FIXTURE.parent.parent).as_posix())))


if __name__ == "__main__":
    main()
