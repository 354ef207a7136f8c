"""Which attestations every build carries: SLSA provenance always, an SPDX SBOM when a
generator image can be had.

BuildKit's default SBOM generator (docker/buildkit-syft-scanner) lives on Docker Hub,
which hosts without Docker Hub cannot reach. ``bake/data/sbom-scanner`` is a small
generator of our own (SPDX 2.3 from the dpkg database), shipped as package data so an
installed copy has it too; when no generator is chosen, it is built and pushed to the
local registry, where BuildKit can pull it. ``BAKE_SBOM_GENERATOR`` picks
another image (e.g. docker/buildkit-syft-scanner where Docker Hub is reachable), or
``off`` for provenance only. ``auto`` uses BuildKit's standard scanner wherever Docker
Hub answers (GitHub's runners) and falls back to the local generator where it does not.

``sbom_problems`` checks an uploaded index: each platform's attestation manifest must hold
an SPDX statement about that platform's image manifest (``bake.publish.signing`` runs it, after
signing and before any tag moves).
"""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bake.core import run
from bake.core.errors import BakeError, HostError
from bake.model import platforms
from bake.publish import endpoint, readback

__all__ = [
    "AUTO",
    "BUILDKIT_SCANNER",
    "SCANNER_DIR",
    "Attestations",
    "ReadJson",
    "Runner",
    "attestations",
    "ensure_local_scanner",
    "sbom_problems",
    "scanner_ref",
]

AUTO = "auto"
OFF = ("off", "none", "false", "0", "")
SCANNER_DIR = Path(__file__).resolve().parent.parent / "data" / "sbom-scanner"  # package data
SCANNER_NAME = "bake-tools/sbom-scanner"
SCANNER_PLATFORMS = platforms.names()  # every platform a family may build for
PROVENANCE = "https://slsa.dev/provenance/"
SPDX = "https://spdx.dev/Document"
BUILDKIT_SCANNER = "docker/buildkit-syft-scanner:stable-1"  # BuildKit's default, on Docker Hub
HUB_PROBE_TIMEOUT = 20.0  # seconds; a blocked network may hang rather than refuse
ReadJson = Callable[[str, str, bool], dict[str, Any]]  # (repository, digest, blob?) → JSON
Runner = Callable[..., "subprocess.CompletedProcess[str]"]  # run.run's signature


@dataclass(frozen=True)
class Attestations:
    """The ``attest`` entries every target gets, and the predicate types they yield."""

    sbom_generator: str | None  # None: provenance only

    def set_args(self) -> list[str]:
        """``--set`` overrides for bake (they add to, not replace, each target's list)."""
        args = ["--set", "*.attest=type=provenance,mode=max"]
        if self.sbom_generator:
            args += ["--set", f"*.attest=type=sbom,generator={self.sbom_generator}"]
        return args

    @property
    def predicate_prefixes(self) -> tuple[str, ...]:
        """What every platform's attestation manifest must hold (predicate type prefixes)."""
        return (PROVENANCE, SPDX) if self.sbom_generator else (PROVENANCE,)


def scanner_ref(registry_host: str, directory: Path = SCANNER_DIR) -> str:
    """The generator's ref, tagged by a hash of its sources so an edit gets a new image."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return f"{registry_host}/{SCANNER_NAME}:{digest.hexdigest()[:12]}"


def ensure_local_scanner(registry_host: str, runner: Runner | None = None) -> str:
    """Build and push ``bake/data/sbom-scanner`` to the local registry unless already there.

    Sessions running at once on the host take turns (a lock file): two pushes of the
    same tag at once can make the registry answer 500, which would turn SBOMs off.
    ``runner`` runs the docker commands (default: ``run.run``).
    """
    ref = scanner_ref(registry_host)
    lock = Path(tempfile.gettempdir()) / "bake-sbom-scanner.lock"
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        _build_scanner_unless_there(ref, runner or run.run)
    return ref


def _in_registry(ref: str, timeout: float | None = None, runner: Runner | None = None) -> bool:
    """Does ``ref`` answer ``imagetools inspect`` (quietly; a failure or timeout: no)?"""
    cmd = ["docker", "buildx", "imagetools", "inspect", "--raw", ref]
    runner = runner or run.run
    try:
        return runner(cmd, capture=True, check=False, echo=False, timeout=timeout).returncode == 0
    except BakeError:
        return False


def _build_scanner_unless_there(ref: str, runner: Runner) -> None:
    if not _in_registry(ref, runner=runner):
        runner(
            [
                "docker",
                "buildx",
                "build",
                "--platform",
                ",".join(SCANNER_PLATFORMS),
                "--provenance=false",
                "--tag",
                ref,
                "--push",
                str(SCANNER_DIR),
            ]
        )


def docker_hub_has_scanner(runner: Runner | None = None) -> bool:
    """Can BuildKit's standard scanner be pulled from Docker Hub from here?"""
    return _in_registry(f"docker.io/{BUILDKIT_SCANNER}", HUB_PROBE_TIMEOUT, runner)


def attestations(
    setting: str,
    tools_registry: str,
    hub_reachable: Callable[[], bool] | None = None,
    *,
    runner: Runner | None = None,
    check_registry: Callable[[str], None] = endpoint.check_registry,
) -> Attestations:
    """Resolve ``BAKE_SBOM_GENERATOR`` (``setting``): an image ref, ``off``, or ``auto``.

    ``runner`` runs the docker commands and ``check_registry`` probes the tools registry
    (defaults: the real ones); ``hub_reachable`` defaults to asking Docker Hub."""
    if setting.lower() in OFF:
        return Attestations(sbom_generator=None)
    if setting != AUTO:
        return Attestations(sbom_generator=setting)
    if (hub_reachable or (lambda: docker_hub_has_scanner(runner)))():
        return Attestations(sbom_generator=BUILDKIT_SCANNER)
    try:
        check_registry(tools_registry)
        registry_host = endpoint.local_registry(tools_registry)
        if registry_host is None:
            raise HostError(f"{tools_registry} is not a local registry")
        return Attestations(sbom_generator=ensure_local_scanner(registry_host, runner))
    except BakeError as exc:
        print(
            f"note: SBOM attestations are off: the local SBOM generator could not be set up "
            f"({exc}).\n      Set BAKE_SBOM_GENERATOR=<image> (e.g. docker/buildkit-syft-scanner "
            "where Docker Hub is reachable) or start a local registry at BAKE_TOOLS_REGISTRY.",
            file=sys.stderr,
        )
        return Attestations(sbom_generator=None)


# --- checking what a build attached (bake.publish.signing verifies it before tagging) ----------


def sbom_problems(index: Mapping[str, Any], repository: str, read: ReadJson) -> list[str]:
    """Each platform's SBOM: listed by the index, SPDX, about that platform's manifest."""
    manifests = index.get("manifests") or []
    attestations = {
        (d.get("annotations") or {}).get(readback.REFERENCE_DIGEST): d["digest"]
        for d in manifests
        if (d.get("annotations") or {}).get(readback.REFERENCE_TYPE) == readback.ATTESTATION
    }
    problems = []
    for descriptor in manifests:
        digest = descriptor["digest"]
        if digest in attestations.values():
            continue
        platform = readback.platform_of(descriptor)
        if digest not in attestations:
            problems.append(f"{platform}: no attestation manifest, so no SBOM")
            continue
        problems += _platform_sbom(platform, digest, repository, attestations[digest], read)
    return problems


def _platform_sbom(
    platform: str, digest: str, repository: str, attestation: str, read: ReadJson
) -> list[str]:
    layers = read(repository, attestation, False).get("layers") or []
    spdx = [
        layer
        for layer in layers
        if (layer.get("annotations") or {}).get(readback.PREDICATE_TYPE, "").startswith(SPDX)
    ]
    if not spdx:
        return [f"{platform}: its attestation manifest holds no SPDX SBOM"]
    statement = read(repository, spdx[0]["digest"], True)
    subjects = {s.get("digest", {}).get("sha256") for s in statement.get("subject") or []}
    if not str(statement.get("predicateType", "")).startswith(SPDX):
        return [f"{platform}: its SBOM layer is not an SPDX statement"]
    if digest.removeprefix("sha256:") not in subjects:
        return [f"{platform}: the SBOM describes {sorted(map(str, subjects))}, not {digest}"]
    return []
