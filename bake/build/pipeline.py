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

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from bake.build import cache, export, host, isolation, reuse
from bake.build import report as build_report
from bake.core import interrupt, options, run
from bake.core.errors import BakeError, CommandError, ConfigError, PipelineError
from bake.emit import generated
from bake.model.family import Family, Image, load_family
from bake.model.naming import VARIABLES, Variables, image_refs
from bake.model.variables import check_variables, origins
from bake.publish import endpoint, readback, sbom, signing, summary, upload
from bake.publish.records import FAILED, Record, latest, read_records, write_records
from bake.publish.records import problems as record_problems
from bake.smoke import containers, suite
from bake.smoke import report as smoke_report

__all__ = [
    "Gate",
    "Options",
    "Plan",
    "bake_command",
    "build",
    "describe",
    "describe_attestations",
    "make_plan",
    "merge",
    "probe_command",
    "push",
    "stage",
    "test",
]


class StageFailed(PipelineError):
    """Smoke tests failed: nothing was uploaded. ``cells`` names the failed image × platform."""

    def __init__(self, message: str, cells: Sequence[tuple[str, str]]) -> None:
        super().__init__(message)
        self.cells = tuple(cells)


@dataclass(frozen=True, kw_only=True)
class Options:
    """Knobs of one run; from the environment (``BAKE_*``) and the session's posargs."""

    jobs: int = options.JOBS.default  # smoke tests run at once (BAKE_JOBS)
    test_timeout: float = options.TEST_TIMEOUT.default  # seconds per smoke test (BAKE_TEST_TIMEOUT)
    sbom_generator: str = sbom.AUTO  # image ref, "off", or "auto" (BAKE_SBOM_GENERATOR)
    tools_registry: str = options.TOOLS_REGISTRY.default  # where "auto" puts its generator
    buildx_args: tuple[str, ...] = ()  # passed through to `docker buildx bake`
    cache: str = ""  # "gha": a GitHub Actions cache per image × platforms (BAKE_CACHE)
    sign: str = ""  # off, keyless or key:<path to cosign.key> (BAKE_SIGN; bake.publish.signing)
    attempt: int = options.RUN_ATTEMPT.default  # the CI run attempt stage records carry
    state: str = ""  # where verified builds are remembered; "": never reuse (BAKE_STATE_DIR)

    @classmethod
    def from_env(cls, env: Mapping[str, str], buildx_args: Sequence[str] = ()) -> Options:
        return cls(
            jobs=options.value(options.JOBS, env=env),
            test_timeout=options.value(options.TEST_TIMEOUT, env=env),
            sbom_generator=env.get("BAKE_SBOM_GENERATOR", sbom.AUTO),
            tools_registry=env.get("BAKE_TOOLS_REGISTRY", options.TOOLS_REGISTRY.default),
            buildx_args=tuple(buildx_args),
            cache=cache.resolve(env.get("BAKE_CACHE", ""), env),
            sign=env.get("BAKE_SIGN", ""),
            attempt=options.value(options.RUN_ATTEMPT, env=env),
            state=reuse.default_state(env),
        )


@dataclass(frozen=True)
class Plan:
    """What one run builds, tests or pushes."""

    family: Family
    config_path: Path
    selection: str  # a target or group name, passed to bake as is
    images: tuple[Image, ...]
    variables: Variables
    options: Options = field(default_factory=Options)
    platform_filter: tuple[str, ...] = ()  # --platform: only these (empty: all)

    @property
    def platforms(self) -> tuple[str, ...]:
        """Every platform of the selection, in the family's order."""
        wanted = {p for image in self.images for p in image.platforms}
        return tuple(p for p in self.family.config.platforms if p in wanted)

    @property
    def targets(self) -> tuple[str, ...]:
        """What bake builds: the selection by name, or its images when the plan was narrowed
        (``--since``, ``--platform``)."""
        if self.images == self.family.select(self.selection):
            return (self.selection,)
        return tuple(image.name for image in self.images)

    def refs(self, image: Image) -> tuple[str, ...]:
        return image_refs(image, self.variables)

    def repositories(self, image: Image) -> tuple[str, ...]:
        """Every repository the image is published in (registries × name and aliases)."""
        return tuple(dict.fromkeys(readback.repository_of(ref) for ref in self.refs(image)))

    def bake_env(self) -> dict[str, str]:
        """Every bake variable, set explicitly so bake's tags are the refs we expect."""
        return {v.name: getattr(self.variables, v.name) for v in VARIABLES}


# After the tests passed: which of the plan's images to publish (all, when there is none).
Gate = Callable[[Plan], Sequence[Image]]


def make_plan(
    config_path: Path,
    selection: str,
    overrides: Mapping[str, str] | None = None,
    options: Options | None = None,
    env: Mapping[str, str] | None = None,
    platforms: Sequence[str] = (),
) -> Plan:
    """Load the family and resolve the selection; ``overrides`` win over ``env``.

    ``platforms`` (``--platform``) restricts every image to those platforms; images with
    none of them drop out of the plan."""
    family = load_family(config_path)
    variables = Variables.from_env(family.config, {**(env or {}), **(overrides or {})})
    images = family.select(selection)
    check_variables(variables, origins(env or {}, overrides or {}, family.config.file))
    selection = family.canonical(selection)  # bake knows an alias only as its image
    wanted = tuple(dict.fromkeys(platforms))
    for platform in wanted:
        if platform not in family.config.platforms:
            raise ConfigError(
                "--platform",
                "",
                f"{platform!r} is not a platform of the family "
                f"(expected one of {', '.join(family.config.platforms)})",
            )
    if wanted:
        images = tuple(
            replace(image, platforms=tuple(p for p in image.platforms if p in wanted))
            for image in images
            if set(image.platforms) & set(wanted)
        )
        if not images:
            raise ConfigError(
                "--platform", "", f"no image of {selection!r} is built for {', '.join(wanted)}"
            )
    return Plan(family, config_path, selection, images, variables, options or Options(), wanted)


def describe_attestations(attestations: sbom.Attestations) -> str:
    return build_report.render_attestations(attestations.sbom_generator)


def describe(plan: Plan, action: str) -> str:
    """The resolved plan, printed before any work starts."""
    return build_report.render_plan(plan, action)


def bake_command(
    plan: Plan,
    attestations: sbom.Attestations,
    out: Path,
    exported: Sequence[Image] | None = None,
) -> list[str]:
    """One bake call for the whole selection: parents built once via ``target:`` contexts.

    Each image is written as an OCI layout tar (``out/<image>.tar``) with its file
    timestamps rewritten to SOURCE_DATE_EPOCH, so an unchanged source gives the same
    image manifests again; the tar is then loaded for the tests and uploaded as it is.
    (``--load`` cannot rewrite timestamps: moby/buildkit#4230.) Only ``exported`` images
    (default: all) get a tar; the others are reused (``bake.build.reuse``) and only built."""
    names = {image.name for image in (plan.images if exported is None else exported)}
    cmd = _bake_base(plan)
    for image in plan.images:
        dest = out / f"{image.name}.tar"
        output = f"type=oci,dest={dest},{export.OCI_OPTIONS}"
        cmd += [
            "--set",
            f"{image.name}.output={output if image.name in names else 'type=cacheonly'}",
        ]
    caching = cache.cache_set_args(plan.options.cache, plan.family, plan.images, plan.platforms)
    return [*cmd, *attestations.set_args(), *caching, *plan.options.buildx_args]


def probe_command(plan: Plan, layouts: Path, metadata: Path) -> list[str]:
    """The same build with attestations off, each image to an OCI layout folder (``tar=false``:
    BuildKit sends only the blobs the folder lacks) and its digests to ``metadata``."""
    cmd = _bake_base(plan)
    for image in plan.images:
        cmd += ["--set", f"{image.name}.output={reuse.PROBE_OUTPUT},dest={layouts / image.name}"]
    reads = cache.cache_set_args(
        plan.options.cache, plan.family, plan.images, plan.platforms, write=False
    )
    return [
        *cmd,
        "--provenance=false",
        "--sbom=false",
        "--metadata-file",
        str(metadata),
        "--allow",
        f"fs.write={layouts}",
        *reads,
        *plan.options.buildx_args,
    ]


def _bake_base(plan: Plan) -> list[str]:
    cmd = ["docker", "buildx", "bake", "-f", generated.HCL_NAME, *plan.targets]
    for name, platforms in _restricted_platforms(plan).items():
        cmd += ["--set", f"{name}.platform={','.join(platforms)}"]
    return cmd


def _restricted_platforms(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Under --platform: each image of every chain, built only for the platforms asked."""
    if not plan.platform_filter:
        return {}
    wanted: dict[str, set[str]] = {}
    for image in plan.images:
        for name in image.chain:
            wanted.setdefault(name, set()).update(image.platforms)
    order = plan.family.config.platforms
    return {name: tuple(p for p in order if p in found) for name, found in wanted.items()}


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Built:
    """What ``_build`` left in the local store: fresh tars in ``out``, or reused indexes."""

    attestations: sbom.Attestations
    reused: Mapping[str, reuse.Verified]  # image name → the verified index used again


def _build(
    plan: Plan,
    action: str,
    out: Path,
    pins: isolation.Pins | None = None,
    uploaded: bool = False,
) -> Built:
    """Build and load; ``uploaded``: reuse an image only if every repository holds it."""
    host.check_build_host()
    generated.write_files(generated.expected_files(plan.family, plan.config_path))
    _say(describe(plan, action))
    attestations = sbom.attestations(plan.options.sbom_generator, plan.options.tools_registry)
    _say(describe_attestations(attestations))
    env = {**plan.bake_env(), "SOURCE_DATE_EPOCH": export.source_date_epoch(os.environ)}
    start = time.monotonic()
    folder = reuse.family_folder(plan.options.state, plan.family.root)
    inputs = reuse.inputs_key(attestations.set_args(), plan.options.buildx_args)
    probed = _probe(plan, folder, env)
    reused = _reusable(plan, folder, inputs, probed, uploaded)
    exported = tuple(image for image in plan.images if image.name not in reused)
    if exported:
        run.run(bake_command(plan, attestations, out, exported), cwd=plan.family.root, env=env)
    # Another session may load the same names: take turns, and pin what this run loaded.
    with isolation.loading(ref for image in plan.images for ref in plan.refs(image)):
        for image in exported:
            loaded = export.load(out / f"{image.name}.tar", plan.refs(image)[0])
            if not uploaded:  # only an upload needs the tar after the load (a full image each)
                (out / f"{image.name}.tar").unlink()
            if folder is not None:
                fingerprint = probed.get(image.name, {})
                reuse.remember(
                    folder, replace(loaded, image=image.name, probe=fingerprint, inputs=inputs)
                )
        for name, verified in reused.items():
            reuse.restore(verified, plan.refs(plan.family.image(name))[0])
        if pins:
            pins.pin({image.name: plan.refs(image)[0] for image in plan.images})
    took = time.monotonic() - start
    if reused:
        _say(f"build: unchanged, reused as verified: {', '.join(reused)} (no export, no load)")
    _say(f"build: {plan.selection} built and loaded in {took:.1f}s")
    return Built(attestations, reused)


def _probe(plan: Plan, folder: Path | None, env: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Image → the probe's manifests (bake.build.reuse); none when reuse is off."""
    if folder is None or "--no-cache" in plan.options.buildx_args:
        return {}
    with reuse.locked(folder) as layouts, tempfile.TemporaryDirectory(prefix="bake-") as tmp:
        metadata = Path(tmp) / "metadata.json"
        reuse.run_probe(probe_command(plan, layouts, metadata), plan.family.root, env)
        return reuse.probed_manifests(layouts, metadata, [i.name for i in plan.images])


def _reusable(
    plan: Plan,
    folder: Path | None,
    inputs: str,
    probed: Mapping[str, Mapping[str, str]],
    uploaded: bool,
) -> dict[str, reuse.Verified]:
    """The images probed as before their last verified export, still at hand."""
    if folder is None or not probed:
        return {}
    found = {}
    for image in plan.images:
        verified = reuse.recorded(folder, image.name, inputs)
        fingerprint = probed.get(image.name)
        if not fingerprint or verified is None or dict(verified.probe) != fingerprint:
            continue
        if not reuse.present(verified):
            continue
        if uploaded and not reuse.in_registry(verified, plan.repositories(image)):
            continue
        found[image.name] = verified
    return found


def _nothing_to_do(plan: Plan, action: str) -> bool:
    """A narrowed plan may hold no image (nothing was affected): a normal, quiet outcome."""
    if not plan.images:
        _say(f"{action}: no image of {plan.selection!r} to {action}; nothing to do")
    return not plan.images


def build(plan: Plan) -> None:
    """Build every image of the selection for all its platforms and load it locally."""
    if _nothing_to_do(plan, "build"):
        return
    with interrupt.signals_stop_the_run(), tempfile.TemporaryDirectory(prefix="bake-") as out:
        _build(plan, "build", Path(out))


@contextmanager
def _pinned(plan: Plan) -> Iterator[isolation.Pins]:
    """This run's private names for what it loads (see bake.build.isolation), removed at the end."""
    pins = isolation.Pins(containers.new_run_id(), tuple(image.name for image in plan.images))
    try:
        yield pins
    finally:
        pins.remove()


def _test(
    plan: Plan, action: str, out: Path, pins: isolation.Pins, uploaded: bool = False
) -> tuple[Built, tuple[suite.Outcome, ...]]:
    host.check_binfmt(plan.platforms)
    built = _build(plan, action, out, pins, uploaded)
    checks = suite.plan_checks(plan.images, lambda image: (pins.ref(image.name),))
    jobs = plan.options.jobs
    _say(
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
    _say(f"test: {len(checks)} checks ran in {time.monotonic() - start:.1f}s")
    return built, tuple(outcomes)


def _failed(outcomes: Sequence[suite.Outcome]) -> list[suite.Outcome]:
    return [o for o in outcomes if not o.passed]


def test(plan: Plan) -> tuple[suite.Outcome, ...]:
    """Build, then run every smoke test and the architecture check per image × platform."""
    if _nothing_to_do(plan, "test"):
        return ()
    with (
        interrupt.signals_stop_the_run(),
        _pinned(plan) as pins,
        tempfile.TemporaryDirectory(prefix="bake-") as out,
    ):
        outcomes = _test(plan, "test", Path(out), pins)[1]
    failed = _failed(outcomes)
    if failed:
        raise PipelineError(f"{len(failed)} of {len(outcomes)} smoke checks failed (see above)")
    return outcomes


def _tested_upload(
    plan: Plan, action: str, gate: Gate | None = None
) -> tuple[sbom.Attestations, list[Record]]:
    """Build and test; only if everything passed, upload every image by digest (phase 1).

    ``gate`` (the weekly refresh's) picks, after the tests passed, the images to upload."""
    for name in plan.variables.registries:
        endpoint.check_registry(name)
    with (
        interrupt.signals_stop_the_run(),
        _pinned(plan) as pins,
        tempfile.TemporaryDirectory(prefix="bake-") as work,
    ):
        out = Path(work)
        try:
            built, outcomes = _test(plan, action, out, pins, uploaded=True)
        except (PipelineError, CommandError) as exc:
            raise type(exc)(f"{exc}\nnothing was uploaded and no tag was set") from None
        failed = _failed(outcomes)
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
    _say(f"upload: {len(images)} images uploaded by digest in {time.monotonic() - start:.1f}s")
    return built.attestations, records


def _upload(plan: Plan, image: Image, out: Path, built: Built) -> list[Record]:
    """Upload the image's tar; a reused image is in every repository already (by digest)."""
    verified = built.reused.get(image.name)
    if verified is None:  # upload by digest, then delete: disk holds one tar less each time
        tar = out / f"{image.name}.tar"
        records = upload.upload(image, tar, plan.repositories(image), image.platforms)
        tar.unlink()
        return [replace(record, attempt=plan.options.attempt) for record in records]
    _say(f"upload: {image.name} {verified.index} is in every repository already (unchanged)")
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
    if _nothing_to_do(plan, "stage"):
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
        _say(f"stage: wrote {path}")
    return staged


def merge(plan: Plan, digests: Path) -> tuple[readback.Verdict, ...]:
    """Tag what stage runs uploaded: all records present and passed, or no tag at all."""
    if _nothing_to_do(plan, "merge"):
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
    if _nothing_to_do(plan, "push"):
        return ()
    if plan.platform_filter:
        raise ConfigError(
            "--platform", "", "push publishes every platform; use stage and merge for a subset"
        )
    mode = _signing_mode(plan)
    attestations, records = _tested_upload(plan, "push", gate)
    chosen = {record.image for record in records}
    if not chosen:
        _say("push: no image to publish; nothing was uploaded and no tag was set")
        return ()
    images = tuple(image for image in plan.images if image.name in chosen)
    sealing = _sealing(plan, records, mode, attestations.sbom_generator is not None)
    return _release(replace(plan, images=images), records, attestations.predicate_prefixes, sealing)


def _signing_mode(plan: Plan) -> signing.Mode:
    """BAKE_SIGN, checked (with the cosign it needs) before any work starts."""
    mode = signing.parse_mode(plan.options.sign, os.environ)
    signing.check_host(mode)
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
    )


def _commit(plan: Plan) -> str:
    """The commit the family was built from (GITHUB_SHA on GitHub; else git's HEAD)."""
    if os.environ.get("GITHUB_SHA"):
        return os.environ["GITHUB_SHA"]
    try:
        return run.capture_stdout(["git", "rev-parse", "HEAD"], cwd=plan.family.root).strip()
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
        )
    except PipelineError as exc:
        summary.append_step_summary(summary.failure_markdown("Publishing failed", str(exc)))
        raise
    summary.append_step_summary(summary.refs_markdown(verdicts))
    return verdicts
