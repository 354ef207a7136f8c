"""Cold builds and an "empty local cache" on a shared Docker daemon, without a global prune.

Every benchmark build runs on a private copy of the fixture whose base Dockerfile carries
a unique run id in its first RUN line (benchmarks/families.py). BuildKit's cache keys
chain from step to step, so that one line makes every later step of every image new:
the build is cold (only the ``FROM debian:bookworm-slim`` layers, shared by everybody,
stay cached), and nobody else's cache is touched.

"Empty local cache" for P4 means: no cache record of *this* run. BuildKit's cache
records name their parents and describe their step; the records whose description holds
the run id, and everything built on top of them, are exactly this run's. Those — and
only those — are pruned (``docker buildx prune --filter id~=…``), after removing the
run's own images from the image store. The same clean-up runs after every measurement so
the benchmark leaves no cache behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterable, Sequence

from bake.build import pipeline, reuse
from bake.core import run
from bake.model.family import Family
from bake.model.naming import Variables, image_refs

__all__ = ["forget_run", "records_of_run", "remove_images"]

PRUNE_BATCH = 50  # ids per prune call (keeps the filter expression short)


def records_of_run(run_id: str, records: Sequence[dict[str, object]] | None = None) -> set[str]:
    """IDs of the build cache records made by the run ``run_id`` and everything on them."""
    records = _records() if records is None else records
    mine = {str(r["ID"]) for r in records if f"bench-run {run_id}" in str(r.get("Description"))}
    grew = True
    while grew:
        grew = False
        for record in records:
            parents = record.get("Parents") or []
            if record["ID"] not in mine and isinstance(parents, list) and mine & set(parents):
                mine.add(str(record["ID"]))
                grew = True
    return mine


def _records() -> list[dict[str, object]]:
    proc = run.run(["docker", "buildx", "du", "--format", "json"], capture=True, echo=False)
    text = proc.stdout.strip()
    if text.startswith("["):
        return list(json.loads(text))
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def remove_images(family: Family, variables: Variables) -> None:
    """Untag every image ref of ``family`` under ``variables`` (a run's own tags only)."""
    refs = [ref for image in family.images for ref in image_refs(image, variables)]
    run.run(["docker", "image", "rm", *refs], capture=True, check=False, echo=False)


def forget_run(run_id: str) -> int:
    """Prune this run's build cache records (see the module doc); how many there were."""
    ids = sorted(records_of_run(run_id))
    for batch in _batches(ids, PRUNE_BATCH):
        pattern = "^(" + "|".join(re.escape(i) for i in batch) + ")$"
        run.run(
            ["docker", "buildx", "prune", "--force", "--filter", f"id~={pattern}"],
            capture=True,
            echo=False,
        )
    return len(ids)


def forget_copy(plan: pipeline.Plan, run_id: str) -> None:
    """Remove a copy's images, its build cache records and the pipeline's reuse state for
    it (its private ``keeper`` names and state folder; bake.build.reuse)."""
    remove_images(plan.family, plan.variables)
    forget_run(run_id)
    folder = reuse.family_folder(reuse.default_state(os.environ), plan.family.root)
    if folder is not None:
        kept = [reuse.keeper(folder, image.name) for image in plan.images]
        run.run(["docker", "image", "rm", *kept], capture=True, check=False, echo=False)
        shutil.rmtree(folder, ignore_errors=True)


def _batches(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
