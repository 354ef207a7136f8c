"""The test step: build, then run every smoke check on this run's pinned images
(``bake.build.isolation``), one container per image × platform."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bake.build import host, isolation
from bake.build.buildstep import Built, build_and_load
from bake.build.plan import Plan, say
from bake.core import interrupt
from bake.publish import summary
from bake.smoke import containers, suite
from bake.smoke import report as smoke_report

__all__ = ["build_and_test", "failed_checks", "pinned"]


@contextmanager
def pinned(plan: Plan) -> Iterator[isolation.Pins]:
    """This run's private names for what it loads (see bake.build.isolation), removed at the end."""
    names = tuple(image.name for image in plan.images)
    pins = isolation.Pins(containers.new_run_id(), names, plan.docker)
    try:
        yield pins
    finally:
        pins.remove()


def build_and_test(
    plan: Plan, action: str, out: Path, pins: isolation.Pins, uploaded: bool = False
) -> tuple[Built, tuple[suite.Outcome, ...]]:
    host.check_binfmt(plan.platforms, root=plan.docker.binfmt_root)
    built = build_and_load(plan, action, out, pins, uploaded)
    checks = suite.plan_checks(plan.images, lambda image: (pins.ref(image.name),))
    jobs = plan.options.jobs
    say(
        f"test: {len(checks)} checks on {len(plan.images)} images, one container per "
        f"image × platform, {jobs} at a time (labelled {containers.RUN_LABEL}={pins.run_id})"
    )
    start = time.monotonic()
    progress = smoke_report.Progress(len(checks))
    try:
        outcomes = containers.run_checks(
            checks,
            jobs=jobs,
            timeout=plan.options.test_timeout,
            run_id=pins.run_id,
            on_outcome=progress,
            docker=plan.docker,
        )
    except interrupt.Interrupted as exc:
        message = smoke_report.render_interrupted(str(exc), checks, progress.outcomes)
        raise exc.with_message(message) from None
    print(smoke_report.render_summary(outcomes), flush=True)
    summary.append_step_summary(
        summary.smoke_markdown(
            outcomes, f"Smoke tests: {plan.selection} on {', '.join(plan.platforms)}"
        )
    )
    say(f"test: {len(checks)} checks ran in {time.monotonic() - start:.1f}s")
    return built, tuple(outcomes)


def failed_checks(outcomes: Sequence[suite.Outcome]) -> list[suite.Outcome]:
    return [o for o in outcomes if not o.passed]
