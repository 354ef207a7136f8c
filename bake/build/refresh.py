"""The weekly security refresh: rebuild with the package installs re-run, then publish only
the images whose installed packages changed.

BuildKit would otherwise reuse last week's apt layers. Every Dockerfile that installs
packages declares ``ARG REFRESH`` before its first ``RUN``; a RUN sees the build args
declared before it, so a new value misses the cache from there on. Only a refresh sets it
(to the date: a rerun on the same day reuses that day's layers); normal builds leave it
unset and keep their cache.

Whether a package changed is decided on what dpkg says inside the images, both sides read
the same way: ``dpkg-query`` in the freshly built and tested image, and in the published
one (pulled by platform digest, so the local tested tag is never overwritten), for every
platform. An image whose package lists are all equal is not re-tagged, even though its
layers are new bytes. The comparison is pure (``compare_lists``); reading is not.
"""

from __future__ import annotations

import dataclasses
import datetime
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bake.build import pipeline
from bake.core.docker import Docker
from bake.core.errors import CommandError
from bake.model.family import Image
from bake.publish import readback
from bake.publish.packagediff import PackageChanges, Packages, compare_lists

__all__ = [
    "REFRESH_ARG",
    "Comparison",
    "PackageChanges",
    "compare_lists",
    "gate",
    "installed_packages",
    "refresh",
    "refresh_plan",
    "stamp",
]

REFRESH_ARG = "REFRESH"
STAMP_ENV = "BAKE_REFRESH_STAMP"
# One line per package; only installed ones count (dpkg keeps removed ones as "rc").
DPKG_FORMAT = r"${db:Status-Abbrev}|${Package}|${Architecture}|${Version}\n"


@dataclass(frozen=True)
class Comparison:
    """One image: per platform, the changes; ``published`` False when the registry has none."""

    image: str
    published: bool
    changes: dict[str, PackageChanges]  # platform → changes (all listed, even empty ones)

    @property
    def changed(self) -> bool:
        return not self.published or any(self.changes.values())


def stamp(env: Mapping[str, str], today: datetime.date | None = None) -> str:
    """The cache-busting value: ``$BAKE_REFRESH_STAMP``, else today's date (UTC)."""
    if env.get(STAMP_ENV):
        return env[STAMP_ENV]
    return (today or datetime.datetime.now(datetime.UTC).date()).isoformat()


def refresh_plan(plan: pipeline.Plan, value: str) -> pipeline.Plan:
    """The plan with the cache-busting build argument set on every target."""
    args = ("--set", f"*.args.{REFRESH_ARG}={value}")
    options = dataclasses.replace(plan.options, buildx_args=(*plan.options.buildx_args, *args))
    return dataclasses.replace(plan, options=options)


def parse_dpkg(text: str) -> Packages:
    """``DPKG_FORMAT`` lines → the installed packages."""
    packages: Packages = {}
    for line in text.splitlines():
        status, _, rest = line.partition("|")
        name, arch, version = (rest.split("|") + ["", ""])[:3]
        if status.strip() == "ii" and name:
            packages[f"{name}:{arch}"] = version
    return packages


def installed_packages(
    ref: str, platform: str, pull: bool = False, docker: Docker | None = None
) -> Packages:
    """dpkg's installed packages in ``ref`` for ``platform`` (under QEMU when foreign)."""
    cmd = [
        "docker",
        "run",
        "--rm",
        "--platform",
        platform,
        "--pull",
        "missing" if pull else "never",
    ]
    cmd += ["--entrypoint", "dpkg-query", ref, "-W", "-f", DPKG_FORMAT]
    return parse_dpkg((docker or Docker()).capture(cmd, echo=True))


def _published(ref: str, docker: Docker) -> dict[str, str] | None:
    """Platform → manifest digest of the published index at ``ref``; None if not published."""
    try:
        raw, _ = readback.read_raw(ref, docker.capture)
    except CommandError as exc:
        if "not found" in str(exc).lower():
            return None
        raise
    return {
        readback.platform_of(d): d["digest"]
        for d in raw.get("manifests") or []
        if (d.get("annotations") or {}).get(readback.REFERENCE_TYPE) != readback.ATTESTATION
    }


def _published_packages(ref: str, platform: str, digest: str, docker: Docker) -> Packages:
    """The published image's packages: run by digest, then drop the record that made."""
    pinned = f"{readback.repository_of(ref)}@{digest}"
    try:
        return installed_packages(pinned, platform, pull=True, docker=docker)
    finally:
        docker.run(["docker", "image", "rm", pinned], capture=True, check=False, echo=False)


def compare_image(plan: pipeline.Plan, image: Image) -> Comparison:
    """The rebuilt (local, tested) image against what its first ref holds in the registry."""
    ref = plan.refs(image)[0]
    published = _published(ref, plan.docker)
    if published is None:
        return Comparison(image.name, False, {})
    changes = {}
    for platform in image.platforms:
        new = installed_packages(ref, platform, docker=plan.docker)
        old = (
            _published_packages(ref, platform, published[platform], plan.docker)
            if platform in published
            else {}
        )
        changes[platform] = compare_lists(old, new)
    return Comparison(image.name, True, changes)


def render(comparisons: Sequence[Comparison]) -> str:
    """The refresh report: per image × platform, which packages changed."""
    lines = ["refresh: installed packages, published → rebuilt"]
    width = max((len(c.image) for c in comparisons), default=0)
    for comparison in comparisons:
        verdict = "re-tag" if comparison.changed else "keep  "
        if not comparison.published:
            lines.append(f"  {verdict}  {comparison.image.ljust(width)}  not published yet")
        for platform, changes in comparison.changes.items():
            lines.append(
                f"  {verdict}  {comparison.image.ljust(width)}  {platform:<13} {changes.describe()}"
            )
    return "\n".join(lines)


def gate(plan: pipeline.Plan) -> tuple[Image, ...]:
    """After the tests passed: compare every image and keep those whose packages changed."""
    with ThreadPoolExecutor(max_workers=plan.options.jobs) as pool:
        comparisons = tuple(pool.map(lambda image: compare_image(plan, image), plan.images))
    print(render(comparisons), flush=True)
    changed = {c.image for c in comparisons if c.changed}
    kept = len(plan.images) - len(changed)
    print(f"refresh: {len(changed)} images to re-tag, {kept} unchanged", file=sys.stderr)
    return tuple(image for image in plan.images if image.name in changed)


def refresh(plan: pipeline.Plan, env: Mapping[str, str]) -> tuple[readback.Verdict, ...]:
    """Rebuild with the installs re-run, test, then push only what changed packages."""
    value = stamp(env)
    print(f"refresh: build arg {REFRESH_ARG}={value}", file=sys.stderr, flush=True)
    return pipeline.push(refresh_plan(plan, value), gate=gate)
