"""The plan of one run: the family, the selection, the bake variables, the options; and the
bake commands it makes. Pure: nothing here acts."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from bake.build import cache, export, reuse
from bake.build import report as build_report
from bake.build.options import Options
from bake.core.docker import Docker
from bake.core.errors import ConfigError
from bake.emit import generated
from bake.model.family import Family, Image, load_family
from bake.model.naming import VARIABLES, Variables, image_refs
from bake.model.variables import check_variables, origins
from bake.publish import readback, sbom
from bake.publish.registries import Registries

__all__ = [
    "Gate",
    "Plan",
    "bake_command",
    "describe",
    "describe_attestations",
    "make_plan",
    "nothing_to_do",
    "probe_command",
    "say",
]


@dataclass(frozen=True)
class Plan:
    """What one run builds, tests or pushes, and the commands and registries it acts
    through (real by default; a test passes fakes)."""

    family: Family
    config_path: Path
    selection: str  # a target or group name, passed to bake as is
    images: tuple[Image, ...]
    variables: Variables
    options: Options = field(default_factory=Options)
    platform_filter: tuple[str, ...] = ()  # --platform: only these (empty: all)
    docker: Docker = field(default_factory=Docker)
    registries: Registries = field(default_factory=Registries)

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
    *,
    family: Family | None = None,
    docker: Docker | None = None,
    registries: Registries | None = None,
) -> Plan:
    """Load the family and resolve the selection; ``overrides`` win over ``env``.

    ``platforms`` (``--platform``) restricts every image to those platforms; images with
    none of them drop out of the plan. ``family``: the family of ``config_path`` already
    loaded (the command loads it once), else it is loaded here. ``docker`` and
    ``registries``: what the run acts through (default: the real ones)."""
    family = load_family(config_path) if family is None else family
    variables = Variables.from_env(family.config, {**(env or {}), **(overrides or {})})
    images = family.select(selection)
    check_variables(variables, origins(env or {}, overrides or {}, family.config.file))
    selection = family.canonical(selection)  # bake knows an alias only as its image
    wanted = tuple(dict.fromkeys(platforms))
    images = _only_platforms(family, selection, images, wanted)
    return Plan(
        family,
        config_path,
        selection,
        images,
        variables,
        options or Options(),
        wanted,
        docker or Docker(),
        registries or Registries(),
    )


def _only_platforms(
    family: Family, selection: str, images: tuple[Image, ...], wanted: tuple[str, ...]
) -> tuple[Image, ...]:
    """``--platform``: every image restricted to ``wanted``; those with none of them go."""
    for platform in wanted:
        if platform not in family.config.platforms:
            raise ConfigError(
                "--platform",
                "",
                f"{platform!r} is not a platform of the family "
                f"(expected one of {', '.join(family.config.platforms)})",
            )
    if not wanted:
        return images
    images = tuple(
        replace(image, platforms=tuple(p for p in image.platforms if p in wanted))
        for image in images
        if set(image.platforms) & set(wanted)
    )
    if not images:
        raise ConfigError(
            "--platform", "", f"no image of {selection!r} is built for {', '.join(wanted)}"
        )
    return images


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


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def nothing_to_do(plan: Plan, action: str) -> bool:
    """A narrowed plan may hold no image (nothing was affected): a normal, quiet outcome."""
    if not plan.images:
        say(f"{action}: no image of {plan.selection!r} to {action}; nothing to do")
    return not plan.images
