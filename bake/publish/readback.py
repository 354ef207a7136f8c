"""Read back what was pushed: each name:tag must be one index holding exactly the expected
platforms, each with an attestation manifest carrying the expected predicates, and (to be
sure the pushed image is the tested one) the index digest must equal the local image's.

Reading goes through ``docker buildx imagetools inspect --raw``, so any registry works
with the credentials of ``docker login``; this module never handles passwords. Parsing
and judging are pure functions over the raw JSON.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bake.core import run
from bake.core.errors import BakeError, CommandError

__all__ = [
    "ATTESTATION",
    "Verdict",
    "attestation_problems",
    "index_problems",
    "local_digest",
    "platform_of",
    "read_raw",
    "repository_of",
    "transient_failure",
    "verify_ref",
]

INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
ATTESTATION = "attestation-manifest"
REFERENCE_TYPE = "vnd.docker.reference.type"
REFERENCE_DIGEST = "vnd.docker.reference.digest"
PREDICATE_TYPE = "in-toto.io/predicate-type"


@dataclass(frozen=True)
class Verdict:
    """What reading one pushed ref back found."""

    ref: str
    digest: str  # of the index in the registry ("" when it could not be read)
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def platform_of(descriptor: Mapping[str, Any]) -> str:
    """A descriptor's platform as ``os/arch[/variant]``."""
    p = descriptor.get("platform") or {}
    parts = [p.get("os", "unknown"), p.get("architecture", "unknown")]
    if p.get("variant"):
        parts.append(p["variant"])
    return "/".join(parts)


def _is_attestation(descriptor: Mapping[str, Any]) -> bool:
    return (descriptor.get("annotations") or {}).get(REFERENCE_TYPE) == ATTESTATION


def index_problems(raw: Mapping[str, Any], expected: Sequence[str]) -> list[str]:
    """Index shape: exactly ``expected`` platforms, one attestation manifest per platform."""
    if raw.get("mediaType") not in INDEX_TYPES and "manifests" not in raw:
        return [
            f"is a single manifest ({raw.get('mediaType', 'unknown type')}), not a multi-platform index"
        ]
    manifests = raw.get("manifests") or []
    images = [d for d in manifests if not _is_attestation(d)]
    attestations = [d for d in manifests if _is_attestation(d)]
    problems = []
    found = [platform_of(d) for d in images]
    if sorted(found) != sorted(expected):
        missing = [p for p in expected if p not in found]
        extra = [p for p in found if p not in expected or found.count(p) > 1]
        problems.append(
            f"platforms {found}, expected exactly {list(expected)}"
            + (f"; missing {missing}" if missing else "")
            + (f"; unexpected {sorted(set(extra))}" if extra else "")
        )
    attested = {(d.get("annotations") or {}).get(REFERENCE_DIGEST) for d in attestations}
    for descriptor in images:
        if descriptor.get("digest") not in attested:
            problems.append(f"{platform_of(descriptor)}: no attestation manifest")
    for descriptor in attestations:
        if platform_of(descriptor) != "unknown/unknown":
            problems.append(f"attestation manifest with platform {platform_of(descriptor)}")
    return problems


def attestation_problems(
    platform: str, raw: Mapping[str, Any], prefixes: Sequence[str]
) -> list[str]:
    """An attestation manifest must hold a layer for each wanted predicate type (prefix)."""
    predicates = [
        (layer.get("annotations") or {}).get(PREDICATE_TYPE, "")
        for layer in raw.get("layers") or []
    ]
    return [
        f"{platform}: no {prefix}… attestation (found {predicates or 'none'})"
        for prefix in prefixes
        if not any(p.startswith(prefix) for p in predicates)
    ]


def repository_of(ref: str) -> str:
    """``host:5000/ns/name:tag`` or ``…@sha256:…`` → ``host:5000/ns/name``."""
    name = ref.split("@", 1)[0]
    slash, colon = name.rfind("/"), name.rfind(":")
    return name[:colon] if colon > slash else name


# What buildx prints when the registry (or the way to it) failed, not the request: retried.
_TRANSIENT = re.compile(
    r"\b50[0-4]\b|internal server error|bad gateway|service unavailable|gateway timeout"
    r"|connection reset|connection refused|broken pipe|i/o timeout|timeout|unexpected EOF|\bEOF\b",
    re.IGNORECASE,
)


def transient_failure(exc: BaseException) -> bool:
    """A failed ``imagetools`` call worth another try (see ``_TRANSIENT``)."""
    return isinstance(exc, CommandError) and bool(_TRANSIENT.search(str(exc)))


def read_raw(
    ref: str, capture: Callable[[Sequence[str]], str] | None = None
) -> tuple[dict[str, Any], str]:
    """The manifest or index at ``ref`` as JSON, and its digest (sha256 of the raw bytes).
    ``capture`` runs the command and returns its stdout (default: ``run.capture_stdout``)."""
    cmd = ["docker", "buildx", "imagetools", "inspect", "--raw", ref]
    capture = capture or run.capture_stdout
    text = run.retry(lambda: capture(cmd), what=f"read {ref}", transient=transient_failure)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(f"{run.quote(cmd)} printed no JSON ({exc}):\n{text[:500]}") from None
    return data, "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def local_digest(ref: str, capture: Callable[[Sequence[str]], str] | None = None) -> str:
    """The loaded image's id; with the containerd image store, the digest of its index.

    ``capture`` runs the command and returns its stdout (default: ``run.capture_stdout``)."""
    capture = capture or run.capture_stdout
    return capture(["docker", "image", "inspect", "--format", "{{.Id}}", ref]).strip()


def verify_ref(
    ref: str,
    platforms: Sequence[str],
    prefixes: Sequence[str],
    tested_digest: str | None,
    tested_manifests: Mapping[str, str] | None = None,
    read: Callable[[str], tuple[dict[str, Any], str]] | None = None,
) -> Verdict:
    """Read ``ref`` back from the registry and list everything that is not as expected:
    the index digest (``tested_digest``) and each platform's image manifest digest
    (``tested_manifests``, platform → digest) must be the ones the smoke tests ran.
    ``read`` fetches a ref's JSON and digest (default: ``read_raw``)."""
    read = read or read_raw
    try:
        raw, digest = read(ref)
    except BakeError as exc:
        return Verdict(ref, "", (f"cannot read it back: {exc}",))
    problems = index_problems(raw, platforms)
    if tested_digest and digest != tested_digest:
        problems.append(f"index digest {digest} is not the tested image's {tested_digest}")
    held = {
        platform_of(d): d.get("digest")
        for d in raw.get("manifests") or []
        if not _is_attestation(d)
    }
    for platform, wanted in (tested_manifests or {}).items():
        if held.get(platform) not in (None, wanted):
            problems.append(
                f"{platform}: image manifest {held[platform]} is not the tested {wanted}"
            )
    repository = repository_of(ref)
    for descriptor in raw.get("manifests") or []:
        if not _is_attestation(descriptor):
            continue
        target = (descriptor.get("annotations") or {}).get(REFERENCE_DIGEST, "")
        platform = next(
            (platform_of(d) for d in raw["manifests"] if d.get("digest") == target), target
        )
        try:
            manifest, _ = read(f"{repository}@{descriptor['digest']}")
        except BakeError as exc:
            problems.append(f"{platform}: cannot read its attestation manifest: {exc}")
            continue
        problems += attestation_problems(platform, manifest, prefixes)
    return Verdict(ref, digest, tuple(problems))
