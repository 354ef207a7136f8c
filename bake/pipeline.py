"""Build, test and push a selection of the family: plan first, then act.

``make_plan`` is pure (the family, the selection, the bake variables, the options);
``build``, ``test`` and ``push`` are the only functions that touch docker, each doing
the previous step first, so ``push`` can never publish an image that was not built and
tested in the same run.

How push publishes what was tested: the build loads every image (all platforms, with
their provenance and SBOM attestations) into the containerd image store; the smoke tests
run those loaded images; ``docker push`` then sends each loaded index as it is. Nothing
is rebuilt for the push, and the read-back checks that every pushed name:tag has the
digest of the local, tested index.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bake import cache, generated, host, registry, report, run, sbom, smoke, summary
from bake.errors import CommandError, ConfigError, PipelineError
from bake.family import Family, Image, load_family
from bake.naming import VARIABLES, Variables, image_refs

__all__ = [
    "Gate",
    "Options",
    "Plan",
    "bake_command",
    "build",
    "describe",
    "describe_attestations",
    "make_plan",
    "push",
    "test",
]


@dataclass(frozen=True, kw_only=True)
class Options:
    """Knobs of one run; from the environment (``BAKE_*``) and the session's posargs."""

    jobs: int = 2  # smoke tests run at once (BAKE_JOBS)
    test_timeout: float = 600.0  # seconds per smoke test under QEMU (BAKE_TEST_TIMEOUT)
    sbom_generator: str = sbom.AUTO  # image ref, "off", or "auto" (BAKE_SBOM_GENERATOR)
    tools_registry: str = "127.0.0.1:5000"  # where "auto" puts its generator (BAKE_TOOLS_REGISTRY)
    buildx_args: tuple[str, ...] = ()  # passed through to `docker buildx bake`
    cache: str = ""  # "gha": a GitHub Actions cache per image × platforms (BAKE_CACHE)

    @classmethod
    def from_env(cls, env: Mapping[str, str], buildx_args: Sequence[str] = ()) -> Options:
        default = cls()
        return cls(
            jobs=int(_number(env, "BAKE_JOBS", default.jobs, minimum=1)),
            test_timeout=_number(env, "BAKE_TEST_TIMEOUT", default.test_timeout, minimum=1),
            sbom_generator=env.get("BAKE_SBOM_GENERATOR", default.sbom_generator),
            tools_registry=env.get("BAKE_TOOLS_REGISTRY", default.tools_registry),
            buildx_args=tuple(buildx_args),
            cache=cache.resolve(env.get("BAKE_CACHE", ""), env),
        )


def _number(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    text = env.get(name, "")
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise ConfigError("environment", name, f"expected a number >= {minimum:g}, got {text!r}")
    return value


@dataclass(frozen=True)
class Plan:
    """What one run builds, tests or pushes."""

    family: Family
    config_path: Path
    selection: str  # a target or group name, passed to bake as is
    images: tuple[Image, ...]
    variables: Variables
    options: Options = field(default_factory=Options)

    @property
    def platforms(self) -> tuple[str, ...]:
        """Every platform of the selection, in the family's order."""
        wanted = {p for image in self.images for p in image.platforms}
        return tuple(p for p in self.family.config.platforms if p in wanted)

    @property
    def targets(self) -> tuple[str, ...]:
        """What bake builds: the selection by name, or its images when the plan was narrowed."""
        if self.images == self.family.select(self.selection):
            return (self.selection,)
        return tuple(image.name for image in self.images)

    def refs(self, image: Image) -> tuple[str, ...]:
        return image_refs(image, self.variables)

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
) -> Plan:
    """Load the family and resolve the selection; ``overrides`` win over ``env``."""
    family = load_family(config_path)
    variables = Variables.from_env(family.config, {**(env or {}), **(overrides or {})})
    images = family.select(selection)
    return Plan(family, config_path, selection, images, variables, options or Options())


def describe_attestations(attestations: sbom.Attestations) -> str:
    generator = attestations.sbom_generator
    return f"  attestations: provenance (mode=max), {f'SBOM by {generator}' if generator else 'no SBOM'}"


def describe(plan: Plan, action: str) -> str:
    """The resolved plan, printed before any work starts."""
    lines = [
        f"plan: {action} {plan.selection!r} from {plan.config_path} "
        f"({len(plan.images)} images, platforms {', '.join(plan.platforms)})",
        "  variables: " + " ".join(f"{k}={v!r}" for k, v in plan.bake_env().items()),
    ]
    width = max(len(image.name) for image in plan.images)
    for image in plan.images:
        lines.append(f"  {image.name.ljust(width)}  [{image.tier}] {', '.join(image.platforms)}")
        lines += [f"  {' ' * width}    → {ref}" for ref in plan.refs(image)]
    return "\n".join(lines)


def bake_command(plan: Plan, attestations: sbom.Attestations) -> list[str]:
    """One bake call for the whole selection: parents built once via ``target:`` contexts."""
    return [
        "docker",
        "buildx",
        "bake",
        "-f",
        generated.HCL_NAME,
        *plan.targets,
        "--load",
        *attestations.set_args(),
        *cache.cache_set_args(plan.options.cache, plan.family, plan.images, plan.platforms),
        *plan.options.buildx_args,
    ]


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _build(plan: Plan, action: str) -> sbom.Attestations:
    host.check_build_host()
    generated.write_files(generated.expected_files(plan.family, plan.config_path))
    _say(describe(plan, action))
    attestations = sbom.attestations(plan.options.sbom_generator, plan.options.tools_registry)
    _say(describe_attestations(attestations))
    start = time.monotonic()
    run.run(bake_command(plan, attestations), cwd=plan.family.root, env=plan.bake_env())
    _say(f"build: {plan.selection} built and loaded in {time.monotonic() - start:.1f}s")
    return attestations


def _nothing_to_do(plan: Plan, action: str) -> bool:
    """A narrowed plan may hold no image (nothing was affected): a normal, quiet outcome."""
    if not plan.images:
        _say(f"{action}: no image of {plan.selection!r} to {action}; nothing to do")
    return not plan.images


def build(plan: Plan) -> None:
    """Build every image of the selection for all its platforms and load it locally."""
    if not _nothing_to_do(plan, "build"):
        _build(plan, "build")


def _test(plan: Plan, action: str) -> tuple[sbom.Attestations, tuple[smoke.Outcome, ...]]:
    host.check_binfmt(plan.platforms)
    attestations = _build(plan, action)
    checks = smoke.plan_checks(plan.images, plan.refs)
    jobs = plan.options.jobs
    _say(f"test: {len(checks)} checks on {len(plan.images)} images, {jobs} at a time")
    start = time.monotonic()
    outcomes = smoke.run_checks(checks, jobs=jobs, timeout=plan.options.test_timeout)
    print(report.render_summary(outcomes), flush=True)
    summary.append_step_summary(summary.smoke_markdown(outcomes, f"Smoke tests: {plan.selection}"))
    _say(f"test: {len(checks)} checks ran in {time.monotonic() - start:.1f}s")
    failed = [o for o in outcomes if not o.passed]
    if failed:
        raise PipelineError(f"{len(failed)} of {len(outcomes)} smoke checks failed (see above)")
    return attestations, tuple(outcomes)


def test(plan: Plan) -> tuple[smoke.Outcome, ...]:
    """Build, then run every smoke test and the architecture check per image × platform."""
    if _nothing_to_do(plan, "test"):
        return ()
    return _test(plan, "test")[1]


def push(plan: Plan, gate: Gate | None = None) -> tuple[registry.Verdict, ...]:
    """Build and test; only if all passed, push every image and verify it in the registry.

    ``gate`` (the weekly refresh's) picks, after the tests passed, the images to publish.
    """
    if _nothing_to_do(plan, "push"):
        return ()
    for name in plan.variables.REGISTRY.split(","):
        host.check_registry(name)
    try:
        attestations, _ = _test(plan, "push")
    except (PipelineError, CommandError) as exc:
        raise type(exc)(
            f"{exc}\nnothing was pushed: every build and test must pass first"
        ) from None
    images = plan.images if gate is None else gate(plan)
    if not images:
        _say("push: no image to publish; nothing was pushed")
        return ()
    tested = {image.name: registry.local_digest(plan.refs(image)[0]) for image in images}
    start = time.monotonic()
    for image in images:
        for ref in plan.refs(image):
            _push_ref(ref)
    verdicts = tuple(
        registry.verify_ref(
            ref, image.platforms, attestations.predicate_prefixes, tested[image.name]
        )
        for image in images
        for ref in plan.refs(image)
    )
    print(_render_verdicts(verdicts), flush=True)
    summary.append_step_summary(summary.refs_markdown(verdicts))
    _say(f"push: {len(verdicts)} refs pushed and read back in {time.monotonic() - start:.1f}s")
    bad = [v for v in verdicts if not v.ok]
    if bad:
        raise PipelineError(
            f"{len(bad)} of {len(verdicts)} pushed refs are not as expected (see above)"
        )
    return verdicts


def _push_ref(ref: str) -> None:
    """``docker push`` of the loaded, tested index; credentials come from ``docker login``."""
    try:
        run.run(["docker", "push", ref])
    except CommandError as exc:
        registry_host = ref.split("/", 1)[0]
        raise CommandError(
            f"{exc}\nif {registry_host} wants credentials: docker login {registry_host}"
        ) from None


def _render_verdicts(verdicts: Sequence[registry.Verdict]) -> str:
    lines = []
    for verdict in verdicts:
        lines.append(f"{'ok  ' if verdict.ok else 'FAIL'}  {verdict.ref}  {verdict.digest or '-'}")
        lines += [f"      {problem}" for problem in verdict.problems]
    return "\n".join(lines)
