"""Build, test and push a selection of the family: plan first, then act.

``make_plan`` is pure (the family, the selection, the bake variables, the options);
``build``, ``test``, ``stage``, ``merge`` and ``push`` are the only functions that act,
each doing the previous step first, so nothing is uploaded that was not built and tested
in the same run, and nothing is tagged unless every image × platform passed.

How push publishes what was tested: the build writes every image (all platforms, with
their provenance and SBOM attestations) as an OCI tar (``bake.build.export``) and loads it;
the smoke tests run those loaded images; only then is each tar uploaded as it is, by
digest, and the tags move last (``bake.publish.upload``). ``stage`` and ``merge`` split the
same steps for CI (one platform per job, then one merge); ``push`` is both in one run.

An image whose inputs did not change is not exported again (``bake.build.reuse``): a cheap
probe asks BuildKit for its image manifests, and when they are the ones the last build
loaded, that verified index is tested and pushed again, compared by digest.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bake.build.buildstep import build_and_load
from bake.build.options import Options
from bake.build.plan import (
    Gate,
    Plan,
    bake_command,
    describe,
    describe_attestations,
    make_plan,
    nothing_to_do,
    probe_command,
)
from bake.build.release import StageFailed, merge, push, stage
from bake.build.teststep import build_and_test, failed_checks, pinned
from bake.core import interrupt
from bake.core.errors import PipelineError
from bake.publish import sbom
from bake.smoke import suite

__all__ = [
    "Gate",
    "Options",
    "Plan",
    "StageFailed",
    "bake_command",
    "build",
    "describe",
    "describe_attestations",
    "make_plan",
    "merge",
    "probe_command",
    "push",
    "sbom",
    "stage",
    "test",
]


def build(plan: Plan) -> None:
    """Build every image of the selection for all its platforms and load it locally."""
    if nothing_to_do(plan, "build"):
        return
    with interrupt.signals_stop_the_run(), tempfile.TemporaryDirectory(prefix="bake-") as out:
        build_and_load(plan, "build", Path(out))


def test(plan: Plan) -> tuple[suite.Outcome, ...]:
    """Build, then run every smoke test and the architecture check per image × platform."""
    if nothing_to_do(plan, "test"):
        return ()
    with (
        interrupt.signals_stop_the_run(),
        pinned(plan) as pins,
        tempfile.TemporaryDirectory(prefix="bake-") as out,
    ):
        outcomes = build_and_test(plan, "test", Path(out), pins)[1]
    failed = failed_checks(outcomes)
    if failed:
        raise PipelineError(f"{len(failed)} of {len(outcomes)} smoke checks failed (see above)")
    return outcomes
