"""P2 and P4 on the reference family (the repository's family.yaml), selection ``firefox-all``.

``firefox-all`` is firefox and its accelerator variants, nvidia-firefox (amd64, arm64)
and intel-firefox (amd64): all three tiers, with the base built as their parent. Not
the whole 16-image family: P2 and P4 need three cold builds of the selection and one
from the registry cache, and cold builds of all 16 images (five browsers and office
suites, each with two variants, under QEMU) would take hours on 2 cores.

Every build runs on its own fresh copy (benchmarks/copies.py; ``copy_reference`` stamps
the run id right before the base's ``USER`` line, so each build is cold from there on,
as in benchmarks/reference.py), with the same platform filter, and the copy's images
and build cache records are removed afterwards (benchmarks/scoped_cache.py):

- P2 baseline: image by image (``copies.image_by_image``: ``docker buildx build`` per
  image, the base and firefox pushed and used through ``docker-image://`` named
  contexts, each image's platforms intersected with the filter, same attestations);
  ours: ``pipeline.build`` (what ``nox -s build-firefox-all`` runs). Baseline first.
- P4: a cold build with ``CACHE_REGISTRY``, then the copy forgotten locally and built
  again from the registry cache (``copies.registry_cache_build``), against ours' cold.

One round: about 15–25 minutes on 2 cores for amd64 + arm64.

    python benchmarks/reference.py --only P2,P4 --platforms linux/amd64,linux/arm64
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from bake.build import pipeline
from bake.publish import sbom
from benchmarks.copies import Copy, Subject, baseline, needed_platforms, registry_cache_build
from benchmarks.families import copy_reference
from benchmarks.table import Row, median, quiet, say, timed

__all__ = ["MEASURES", "SELECTION", "BuildSamples", "measure", "rows", "subject"]

SELECTION = "firefox-all"
NAMESPACE = "127.0.0.1:5000/t-bench-ref"
MEASURES = frozenset({"P2", "P4"})


@dataclass
class BuildSamples:
    baseline: list[float] = field(default_factory=list)  # P2: image by image
    cold: list[float] = field(default_factory=list)  # ours, cold
    cached: list[float] = field(default_factory=list)  # P4: from the registry cache
    images: int = 0  # the selection's images
    built: int = 0  # and the images they are built on
    cells: int = 0  # image × platform cells of the selection


def subject(platforms: tuple[str, ...] = ()) -> Subject:
    return Subject(copy_reference, SELECTION, platforms, NAMESPACE)


def measure(
    workdir: Path,
    log: Path,
    samples: BuildSamples,
    platforms: tuple[str, ...] = (),
    only: Collection[str] = MEASURES,
) -> None:
    """One round of the measures in ``only`` (P2, P4); each sample is printed as it comes."""
    what = subject(platforms)
    options = pipeline.Options.from_env(os.environ)
    with quiet(log):
        attestations = sbom.attestations(options.sbom_generator, options.tools_registry)
        if "P2" in only:
            samples.baseline.append(baseline(workdir, what, attestations))
            say(f"{SELECTION} image by image {samples.baseline[-1]:.1f}s")
        samples.cold.append(_cold(workdir, what, samples))
        say(f"{SELECTION} cold (ours) {samples.cold[-1]:.1f}s")
        if "P4" in only:
            samples.cached.append(registry_cache_build(workdir, what))
            say(f"{SELECTION} from the registry cache {samples.cached[-1]:.1f}s")


def _cold(workdir: Path, what: Subject, samples: BuildSamples) -> float:
    copy = Copy(workdir, what, "ours")
    samples.images = len(copy.plan.images)
    samples.built = len(needed_platforms(copy.plan))
    samples.cells = sum(len(image.platforms) for image in copy.plan.images)
    print(f"=== bench: cold build of ours ({copy.run_id}) ===", flush=True)
    try:
        return timed(lambda: pipeline.build(copy.plan))
    finally:
        copy.forget()


def rows(samples: BuildSamples) -> list[Row]:
    """P2 and P4 from the samples (each only when measured)."""
    what = (
        f"family.yaml, {SELECTION}: {samples.images} images on the base, "
        f"{samples.cells} image × platform cells"
    )
    out: list[Row] = []
    if samples.cold and samples.baseline:
        cold, seq = median(samples.cold), median(samples.baseline)
        out.append(
            Row(
                "P2",
                f"cold build in one bake call ({what})",
                f"image by image {seq:.1f} s ({samples.built} images)",
                f"{cold:.1f} s",
                cold / seq,
                0.6,
            )
        )
    if samples.cold and samples.cached:
        cold, cached = median(samples.cold), median(samples.cached)
        out.append(
            Row(
                "P4",
                f"build on an empty local cache with CACHE_REGISTRY ({SELECTION})",
                f"cold {cold:.1f} s",
                f"{cached:.1f} s",
                cached / cold,
                0.15,
                True,
            )
        )
    return out
