"""Publish what was tested: upload every image by digest (``stage``), tag the uploaded
indexes once every record is in (``merge``), or both in one run (``push``)."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bake.build.buildstep import Built
from bake.build.plan import Gate, Plan, nothing_to_do, say
from bake.build.teststep import build_and_test, failed_checks, pinned
from bake.core import interrupt
from bake.core.errors import BakeError, CommandError, ConfigError, PipelineError
from bake.model.family import Image
from bake.publish import readback, sbom, signing, summary, upload
from bake.publish.records import FAILED, Record, latest, read_records, write_records
from bake.publish.records import problems as record_problems

__all__ = ["StageFailed", "merge", "push", "stage"]


class StageFailed(PipelineError):
    """Smoke tests failed: nothing was uploaded. ``cells`` names the failed image × platform."""

    def __init__(self, message: str, cells: Sequence[tuple[str, str]]) -> None:
        super().__init__(message)
        self.cells = tuple(cells)


def _tested_upload(
    plan: Plan, action: str, gate: Gate | None = None
) -> tuple[sbom.Attestations, list[Record]]:
    """Build and test; only if everything passed, upload every image by digest (phase 1).

    ``gate`` (the weekly refresh's) picks, after the tests passed, the images to upload."""
    for name in plan.variables.registries:
        plan.registries.check(name)
    with (
        interrupt.signals_stop_the_run(),
        pinned(plan) as pins,
        tempfile.TemporaryDirectory(prefix="bake-") as work,
    ):
        out = Path(work)
        try:
            built, outcomes = build_and_test(plan, action, out, pins, uploaded=True)
        except (PipelineError, CommandError) as exc:
            raise type(exc)(f"{exc}\nnothing was uploaded and no tag was set") from None
        failed = failed_checks(outcomes)
        if failed:
            raise StageFailed(
                f"{len(failed)} of {len(outcomes)} smoke checks failed (see above)\n"
                "nothing was uploaded and no tag was set: every build and test must pass first",
                sorted({(o.check.image, o.check.platform) for o in failed}),
            )
        images = plan.images if gate is None else tuple(gate(plan))
        start = time.monotonic()
        try:
            records = [record for image in images for record in _upload(plan, image, out, built)]
        except BakeError as exc:
            raise PipelineError(
                f"upload failed: {exc}\nno tag was set (tags move only after every image is "
                "uploaded); rerun when the registry answers"
            ) from None
    say(f"upload: {len(images)} images uploaded by digest in {time.monotonic() - start:.1f}s")
    return built.attestations, records


def _upload(plan: Plan, image: Image, out: Path, built: Built) -> list[Record]:
    """Upload the image's tar; a reused image is in every repository already (by digest)."""
    verified = built.reused.get(image.name)
    if verified is None:  # upload by digest, then delete: disk holds one tar less each time
        tar = out / f"{image.name}.tar"
        repositories = plan.repositories(image)
        clients = plan.registries.client
        records = upload.upload(image, tar, repositories, image.platforms, clients)
        tar.unlink()
        return [replace(record, attempt=plan.options.attempt) for record in records]
    say(f"upload: {image.name} {verified.index} is in every repository already (unchanged)")
    repository = plan.repositories(image)[0]
    return [
        Record(
            image=image.name,
            platform=platform,
            repository=repository,
            digest=verified.index,
            tested=verified.manifests[platform],
            attempt=plan.options.attempt,
        )
        for platform in image.platforms
    ]


def stage(plan: Plan, digests: Path) -> list[Record]:
    """Build and test the selection (e.g. one platform); upload by digest; write records.

    Failed image × platform cells get a "failed" record, so the merge can name them."""
    if nothing_to_do(plan, "stage"):
        return []
    try:
        _, staged = _tested_upload(plan, "stage")
    except StageFailed as exc:
        attempt = plan.options.attempt
        failed = [
            Record(
                image=i,
                platform=p,
                repository="",
                digest="",
                tested="",
                status=FAILED,
                attempt=attempt,
            )
            for i, p in exc.cells
        ]
        write_records(digests, failed)
        raise
    for path in write_records(digests, staged):
        say(f"stage: wrote {path}")
    return staged


def merge(plan: Plan, digests: Path) -> tuple[readback.Verdict, ...]:
    """Tag what stage runs uploaded: all records present and passed, or no tag at all."""
    if nothing_to_do(plan, "merge"):
        return ()
    if plan.platform_filter:
        raise ConfigError("--platform", "", "merge publishes every platform; drop --platform")
    mode = _signing_mode(plan)
    expected = {image.name: image.platforms for image in plan.images}
    # A re-run's records replace its failed attempt's: only the latest attempt counts.
    found = latest([r for r in read_records(digests) if r.image in expected])
    missing = record_problems(expected, found)
    if missing:
        message = (
            f"merge: no tag was set; {len(missing)} image × platform records are missing "
            "or failed:\n  " + "\n  ".join(missing)
        )
        summary.append_step_summary(summary.failure_markdown("Merge: no tag was set", message))
        raise PipelineError(message)
    # The stage runs' SBOM setting is this run's too (one workflow): SBOMs are required
    # unless BAKE_SBOM_GENERATOR is off.
    sbom_required = plan.options.sbom_generator.lower() not in sbom.OFF
    return _release(plan, found, (sbom.PROVENANCE,), _sealing(plan, found, mode, sbom_required))


def push(plan: Plan, gate: Gate | None = None) -> tuple[readback.Verdict, ...]:
    """Build and test; only if all passed, upload everything, then tag, then verify.

    The single-host push is a stage of every platform and a merge, in one process.
    ``gate`` (the weekly refresh's) picks, after the tests passed, the images to publish."""
    if nothing_to_do(plan, "push"):
        return ()
    if plan.platform_filter:
        raise ConfigError(
            "--platform", "", "push publishes every platform; use stage and merge for a subset"
        )
    mode = _signing_mode(plan)
    attestations, records = _tested_upload(plan, "push", gate)
    chosen = {record.image for record in records}
    if not chosen:
        say("push: no image to publish; nothing was uploaded and no tag was set")
        return ()
    images = tuple(image for image in plan.images if image.name in chosen)
    sealing = _sealing(plan, records, mode, attestations.sbom_generator is not None)
    return _release(replace(plan, images=images), records, attestations.predicate_prefixes, sealing)


def _signing_mode(plan: Plan) -> signing.Mode:
    """BAKE_SIGN, checked (with the cosign it needs) before any work starts."""
    mode = signing.parse_mode(plan.options.sign, os.environ)
    signing.check_host(mode, plan.docker.which)
    return mode


def _sealing(
    plan: Plan, records: Sequence[Record], mode: signing.Mode, sbom_required: bool
) -> signing.Sealing | None:
    """What signing needs besides the indexes (None: signing is off)."""
    if not mode.on:
        return None
    return signing.Sealing(
        mode=mode,
        records=tuple(records),
        sbom_required=sbom_required,
        env=dict(os.environ),
        commit=_commit(plan),
        run=plan.docker.run,
        clients=plan.registries.client,
    )


def _commit(plan: Plan) -> str:
    """The commit the family was built from (GITHUB_SHA on GitHub; else git's HEAD)."""
    if os.environ.get("GITHUB_SHA"):
        return os.environ["GITHUB_SHA"]
    try:
        return plan.docker.capture(["git", "rev-parse", "HEAD"], cwd=plan.family.root).strip()
    except BakeError:
        return ""


def _release(
    plan: Plan,
    records: Sequence[Record],
    prefixes: Sequence[str],
    sealing: signing.Sealing | None = None,
) -> tuple[readback.Verdict, ...]:
    try:
        verdicts = upload.release(
            plan.images,
            records,
            plan.refs,
            prefixes,
            lambda text: print(text, flush=True),
            (lambda targets: signing.seal(targets, sealing)) if sealing else None,
            plan.registries.client,
        )
    except PipelineError as exc:
        summary.append_step_summary(summary.failure_markdown("Publishing failed", str(exc)))
        raise
    summary.append_step_summary(summary.refs_markdown(verdicts))
    return verdicts
