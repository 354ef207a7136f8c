"""``neko-bake inspect REF``: what a published tag or digest is, for "it worked yesterday".

Read from the registry alone (``bake.publish.registry``): the platforms with their manifest digests and
sizes (manifest, config and layers), the base image (``org.opencontainers.image.base.*``
labels or annotations when the build set them, else the images its provenance says it
pulled), the labels, whether a cosign signature
(``sha256-<hex>.sig``) is attached, each platform's attestations (SLSA provenance, SPDX
SBOM), and the release record (``bake.publish.release_record``): the smoke-tested manifests, the
run that tested them, and the packages that changed against the previous release.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bake.core.errors import UsageError
from bake.publish import readback, registry, release_record
from bake.publish.readback import ATTESTATION, PREDICATE_TYPE, REFERENCE_DIGEST, REFERENCE_TYPE

__all__ = ["base_images", "describe_ref", "render_inspect"]

BASE_KEYS = ("org.opencontainers.image.base.name", "org.opencontainers.image.base.digest")
PREDICATES = {"https://slsa.dev/provenance/": "provenance", "https://spdx.dev/Document": "sbom"}


def _split_ref(ref: str) -> tuple[registry.Client, str, str]:
    registry_host, rest = registry.split_repository(ref)
    if "/" not in ref:
        raise UsageError(f"{ref!r}: expected registry/name:tag or registry/name@sha256:…")
    repo, at, digest = rest.partition("@")
    if not at:
        repo = readback.repository_of(rest)
        digest = rest[len(repo) + 1 :] or "latest"
    return registry.client_for(registry_host), repo, digest


def _image(client: registry.Client, repo: str, digest: str) -> dict[str, Any]:
    manifest = client.get_manifest(repo, digest)
    if manifest is None:
        return {"digest": digest, "missing": True}
    data = manifest.json()
    layers = data.get("layers") or []
    config = data.get("config") or {}
    assert isinstance(layers, list) and isinstance(config, dict)
    size = len(manifest.body) + int(config.get("size", 0)) + sum(int(x["size"]) for x in layers)
    blob = client.get_blob(repo, str(config["digest"])) if config.get("digest") else None
    labels = (json.loads(blob).get("config") or {}).get("Labels") or {} if blob else {}
    return {"digest": digest, "size": size, "layers": len(layers), "labels": labels}


def _attestations(client: registry.Client, repo: str, digest: str) -> tuple[list[str], list[str]]:
    """The attestation kinds (provenance, sbom) and the base images provenance names."""
    manifest = client.get_manifest(repo, digest)
    layers = manifest.json().get("layers") if manifest else []
    found, bases = [], []
    for layer in layers if isinstance(layers, list) else []:
        predicate = (layer.get("annotations") or {}).get(PREDICATE_TYPE, "")
        found += [name for prefix, name in PREDICATES.items() if predicate.startswith(prefix)]
        if predicate.startswith("https://slsa.dev/provenance/"):
            blob = client.get_blob(repo, layer["digest"])
            bases += base_images(json.loads(blob)) if blob else []
    return sorted(found), bases


def base_images(statement: Mapping[str, Any]) -> list[str]:
    """``name:tag@sha256:…`` of each image the build pulled for its platform (provenance
    materials with a ``platform``; tools such as the SBOM generator have none)."""
    found = []
    for material in (statement.get("predicate") or {}).get("materials") or []:
        uri = str(material.get("uri", ""))
        name, _, query = uri.removeprefix("pkg:docker/").partition("?")
        digest = (material.get("digest") or {}).get("sha256", "")
        if uri.startswith("pkg:docker/") and "platform=" in query and digest:
            found.append(f"{name.replace('@', ':', 1)}@sha256:{digest}")
    return found


def _platforms(client: registry.Client, repo: str, index: Mapping[str, Any]) -> dict[str, Any]:
    descriptors = index.get("manifests") or []
    attested = {
        (d.get("annotations") or {}).get(REFERENCE_DIGEST): d["digest"]
        for d in descriptors
        if (d.get("annotations") or {}).get(REFERENCE_TYPE) == ATTESTATION
    }
    out = {}
    for d in descriptors:
        if (d.get("annotations") or {}).get(REFERENCE_TYPE) == ATTESTATION:
            continue
        image = _image(client, repo, d["digest"])
        at = attested.get(d["digest"])
        image["attestations"], image["base"] = _attestations(client, repo, at) if at else ([], [])
        out[readback.platform_of(d)] = image
    return out


def describe_ref(ref: str) -> dict[str, Any]:
    """Everything ``inspect`` shows about ``ref``, as plain JSON-able data."""
    client, repo, reference = _split_ref(ref)
    manifest = client.get_manifest(repo, reference)
    if manifest is None:
        raise UsageError(f"{ref}: not in the registry")
    index = manifest.json()
    platforms = _platforms(client, repo, index) if "manifests" in index else {}
    labels = next((p.get("labels") or {} for p in platforms.values()), {})
    annotations = index.get("annotations") or {}
    assert isinstance(annotations, dict)
    tags = client.list_tags(repo)
    record = release_record.read_record(client, repo, manifest.digest)
    return {
        "ref": ref,
        "digest": manifest.digest,
        "media_type": manifest.media_type,
        "platforms": {
            p: {k: v for k, v in i.items() if k != "labels"} for p, i in platforms.items()
        },
        "base": {k: annotations.get(k) or labels.get(k, "") for k in BASE_KEYS}
        | {"from_provenance": sorted({b for p in platforms.values() for b in p["base"]})},
        "labels": labels,
        "signed": manifest.digest.replace(":", "-", 1) + ".sig" in tags,
        "release": _release(record),
    }


def _release(record: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {
        "record": record.get("digest", ""),
        "created": record.get("created", ""),
        "tested": record.get("tested", {}),
        "tested_by": record.get("tested_by", ""),
        "previous": record.get("previous", ""),
        "changes_digest": (record.get("annotations") or {}).get(release_record.CHANGES, ""),
        "changes": record.get("changes", {}),
    }


def _change_lines(changes: Mapping[str, Any]) -> list[str]:
    lines = []
    for platform, moved in changes.items():
        if moved is None:
            lines.append(f"    {platform}: package list unknown (no SBOM on one side)")
            continue
        items = (
            [f"~ {x}" for x in moved.get("upgraded", [])]
            + [f"+ {x}" for x in moved.get("added", [])]
            + [f"- {x}" for x in moved.get("removed", [])]
        )
        lines.append(f"    {platform}: {'; '.join(items) if items else 'unchanged'}")
    return lines


def render_inspect(info: Mapping[str, Any]) -> str:
    """``describe_ref``'s data for people."""
    lines = [f"{info['ref']}", f"  digest     {info['digest']}"]
    for platform, image in info["platforms"].items():
        size = f"{image.get('size', 0) / 1e6:.1f} MB" if not image.get("missing") else "MISSING"
        attested = ", ".join(image.get("attestations") or []) or "no attestations"
        lines.append(f"  {platform:<13} {image['digest']}  {size}  ({attested})")
    base = info["base"]
    named = f"{base[BASE_KEYS[0]]} {base[BASE_KEYS[1]]}".strip()
    bases = [named] if named else base["from_provenance"]
    lines += [f"  base       {b}" for b in bases] or ["  base       not recorded"]
    lines.append(f"  signature  {'cosign signature attached' if info['signed'] else 'none'}")
    lines += ["  labels", *(f"    {k}={v}" for k, v in sorted(info["labels"].items()))]
    release = info["release"]
    if release is None:
        lines.append("  release    no release record (published before neko-bake recorded them)")
        return "\n".join(lines)
    lines.append(f"  released   {release['created']}, tested by {release['tested_by']}")
    lines += [f"    tested {p} {d}" for p, d in release["tested"].items()]
    previous = release["previous"] or "none (first release)"
    lines.append(f"  changes    against {previous} ({release['changes_digest']})")
    lines += _change_lines(release["changes"])
    return "\n".join(lines)
