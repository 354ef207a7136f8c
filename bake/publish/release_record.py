"""The release record: what a release changed and what gated it, attached to its index.

The index itself stays the tested bytes (the registry holds the local, tested index, by
digest: ``bake.publish.upload``), so the record is a small OCI artifact next to it, found the way
cosign's signatures are, by a tag named after the index digest: ``sha256-<hex>.bake``.
Its manifest's annotations say it in short:

- ``com.neko-bake.changes``: a short digest of the package change list (``bake.publish.changelog``)
- ``com.neko-bake.previous``: the index digest it was compared with ("" for a first release)
- ``com.neko-bake.tested``: ``platform=digest`` of each image manifest the smoke tests ran
- ``com.neko-bake.tested-by``: the CI run that ran them (its URL), or ``local``
- ``org.opencontainers.image.created``: when it was published (``prune`` ages tags by it)

and its one layer is the same as JSON, with the full change list. ``subject`` names the
index (OCI 1.1), so registries with the referrers API list it there too.
"""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any, BinaryIO

from bake.publish import registry
from bake.publish.changelog import Changelog, changes_digest

__all__ = [
    "ARTIFACT_TYPE",
    "CHANGES",
    "CREATED",
    "SUFFIX",
    "put_record",
    "read_record",
    "record_tag",
    "tested_by",
]

ARTIFACT_TYPE = "application/vnd.neko-bake.release.v1+json"
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
EMPTY_TYPE = "application/vnd.oci.empty.v1+json"
EMPTY = b"{}"
SUFFIX = ".bake"
CHANGES = "com.neko-bake.changes"
PREVIOUS = "com.neko-bake.previous"
TESTED = "com.neko-bake.tested"
TESTED_BY = "com.neko-bake.tested-by"
CREATED = "org.opencontainers.image.created"


def record_tag(digest: str) -> str:
    """``sha256:abc…`` → ``sha256-abc….bake`` (cosign's scheme, with our suffix)."""
    return digest.replace(":", "-", 1) + SUFFIX


def tested_by(env: Mapping[str, str]) -> str:
    """The CI run that ran the smoke tests (GitHub Actions' run URL), else ``local``."""
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    return "local"


def _payload(
    changelog: Changelog, tested: Mapping[str, str], by: str, created: str
) -> dict[str, Any]:
    return {
        "image": changelog.image,
        "previous": changelog.previous,
        "changes": {
            p: (asdict(c) if c is not None else None) for p, c in changelog.changes.items()
        },
        "tested": dict(tested),
        "tested_by": by,
        "created": created,
    }


def put_record(
    client: registry.Client,
    repo: str,
    index: registry.Manifest,
    changelog: Changelog,
    tested: Mapping[str, str],
    by: str,
    created: str = "",
) -> str:
    """Upload the record of ``index`` and tag it ``record_tag(index.digest)``; its digest."""
    created = created or datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    layer = json.dumps(_payload(changelog, tested, by, created), indent=1).encode()
    for blob in (EMPTY, layer):
        client.upload_blob(repo, registry.digest_of(blob), len(blob), _opener(blob))
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "artifactType": ARTIFACT_TYPE,
        "config": {"mediaType": EMPTY_TYPE, "digest": registry.digest_of(EMPTY), "size": 2},
        "layers": [
            {"mediaType": ARTIFACT_TYPE, "digest": registry.digest_of(layer), "size": len(layer)}
        ],
        "subject": {"mediaType": index.media_type, "digest": index.digest, "size": len(index.body)},
        "annotations": {
            CHANGES: changes_digest(changelog),
            PREVIOUS: changelog.previous,
            TESTED: ",".join(f"{p}={d}" for p, d in tested.items()),
            TESTED_BY: by,
            CREATED: created,
        },
    }
    body = json.dumps(manifest, separators=(",", ":")).encode()
    return client.put_manifest(repo, record_tag(index.digest), body, MANIFEST_TYPE)


def _opener(blob: bytes) -> Callable[[], BinaryIO]:
    return lambda: io.BytesIO(blob)


def read_record(client: registry.Client, repo: str, digest: str) -> dict[str, Any] | None:
    """The record of the index ``digest`` (its JSON, plus ``annotations``); None if none."""
    manifest = client.get_manifest(repo, record_tag(digest))
    if manifest is None:
        return None
    data = manifest.json()
    layers = data.get("layers") or []
    assert isinstance(layers, list)
    blob = client.get_blob(repo, layers[0]["digest"]) if layers else None
    record: dict[str, Any] = json.loads(blob) if blob else {}
    record["annotations"] = data.get("annotations") or {}
    record["digest"] = manifest.digest
    return record
