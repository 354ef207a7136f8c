"""Publishing in phases: content first, tags last, then read back.

1. ``upload``: every image's tested content (the OCI tar the smoke tests ran) goes to
   every repository it is published under, **by digest**: no tag moves. Each index is
   then read back by digest and judged (platforms, attestations, tested manifests).
2. ``combine``: one index per image from its uploaded per-platform indexes (a single
   source holding every platform is used as it is, byte for byte), also by digest.
3. ``tags.set_tags``: only when 1 and 2 succeeded for the whole selection, every tag is set
   with one manifest PUT each, in one short final phase. A tag already at the right
   digest, or at an index of the same image manifests (an unchanged, reproducible
   rebuild), is left alone and reported "unchanged". If a PUT fails for good, the
   report says where every tag points, and a rerun converges.
4. ``verify``: every name:tag is read back (``bake.publish.readback``).

A failure (or Ctrl-C) before phase 3 leaves no tag moved; during phase 3, every tag that
moved points at an index already verified by digest in phase 1/2.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bake.core.errors import BakeError, PipelineError
from bake.model.family import Image
from bake.publish import readback, registry, release_notes
from bake.publish import report as publish_report
from bake.publish.ocitar import open_layout, platform_manifests
from bake.publish.records import Record
from bake.publish.tagmove import TagMove, Target, render_moves, set_tags

__all__ = ["combine", "release", "render_verdicts", "upload", "verify"]

INDEX_TYPE = "application/vnd.oci.image.index.v1+json"


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def upload(
    image: Image,
    tar: Path,
    repositories: Sequence[str],
    platforms: Sequence[str],
    clients: registry.ClientFor = registry.client_for,
) -> list[Record]:
    """Phase 1 for one image: blobs, manifests and the index by digest, to every repository."""
    with open_layout(tar) as layout:
        tested = platform_manifests(json.loads(layout.index.body))
        source = ""
        for repository in repositories:
            registry_host, repo = registry.split_repository(repository)
            client = clients(registry_host)
            mount = (
                registry.split_repository(source)[1]
                if source.startswith(registry_host + "/")
                else ""
            )
            for blob in layout.blobs:
                client.upload_blob(
                    repo,
                    blob.digest,
                    blob.size,
                    functools.partial(layout.open_blob, blob.digest),
                    mount,
                )
            for part in layout.manifests:
                client.put_manifest(repo, part.digest, part.body, part.media_type)
            source = source or repository
        _say(f"upload: {image.name} {layout.index.digest} → {', '.join(repositories)} (no tag)")
        return [
            Record(
                image=image.name,
                platform=platform,
                repository=repositories[0],
                digest=layout.index.digest,
                tested=tested.get(platform, ""),
            )
            for platform in platforms
        ]


def combine(
    image: Image,
    records: Sequence[Record],
    refs: Sequence[str],
    clients: registry.ClientFor = registry.client_for,
) -> Target:
    """Phase 2 for one image: its final index from the records' uploads, by digest."""
    by_platform = {r.platform: r for r in records}
    order = [p for p in image.platforms if p in by_platform]
    tested = {p: by_platform[p].tested for p in order}
    registry_host, repo = registry.split_repository(records[0].repository)
    sources: dict[str, dict[str, object]] = {}
    bodies: dict[str, registry.Manifest] = {}
    for record in records:
        if record.digest in sources:
            continue
        found = clients(registry_host).get_manifest(repo, record.digest)
        if found is None:
            raise PipelineError(
                f"{image.name}: {record.repository}@{record.digest} is not in the registry (was it staged to another REGISTRY?)"
            )
        sources[record.digest], bodies[record.digest] = found.json(), found
    for record in records:
        held = platform_manifests(sources[record.digest]).get(record.platform)
        if held != record.tested:
            raise PipelineError(
                f"{image.name} on {record.platform}: the uploaded index holds {held}, not the tested {record.tested}"
            )
    if len(sources) == 1 and set(platform_manifests(next(iter(sources.values())))) == set(order):
        only = next(iter(bodies.values()))
        body, media_type = only.body, only.media_type
    else:
        body, media_type = _merged_index(order, by_platform, sources), INDEX_TYPE
    digest = registry.digest_of(body)
    for repository in dict.fromkeys(readback.repository_of(ref) for ref in refs):
        target_host, target_repo = registry.split_repository(repository)
        clients(target_host).put_manifest(target_repo, digest, body, media_type)
    return Target(image.name, digest, body, media_type, tested, tuple(refs))


def _merged_index(
    order: Sequence[str],
    by_platform: Mapping[str, Record],
    sources: Mapping[str, dict[str, object]],
) -> bytes:
    """An OCI index of each platform's image manifest and its attestation manifest(s)."""
    manifests: list[object] = []
    for platform in order:
        record = by_platform[platform]
        descriptors = sources[record.digest].get("manifests") or []
        assert isinstance(descriptors, list)
        manifests += [d for d in descriptors if d.get("digest") == record.tested]
        manifests += [
            d
            for d in descriptors
            if (d.get("annotations") or {}).get(readback.REFERENCE_DIGEST) == record.tested
        ]
    index = {"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": manifests}
    return json.dumps(index, separators=(",", ":")).encode()


def verify(
    targets: Sequence[Target],
    platforms: Mapping[str, Sequence[str]],
    prefixes: Sequence[str],
    *,
    by_tag: bool,
    clients: registry.ClientFor = registry.client_for,
) -> list[readback.Verdict]:
    """Read back every target (by digest before tagging, by tag after) and judge it."""
    verdicts = []
    for target in targets:
        if by_tag:
            refs = list(target.refs)
        else:
            refs = [
                f"{repository}@{target.digest}"
                for repository in dict.fromkeys(readback.repository_of(r) for r in target.refs)
            ]
        for ref in refs:
            verdicts.append(
                readback.verify_ref(
                    ref,
                    platforms[target.image],
                    prefixes,
                    None,
                    target.tested,
                    functools.partial(_read, clients=clients),
                )
            )
    return verdicts


def _read(ref: str, clients: registry.ClientFor) -> tuple[dict[str, Any], str]:
    """A ref's manifest JSON and digest, through the retrying registry client."""
    registry_host, rest = registry.split_repository(ref)
    repo, _, digest = rest.partition("@")
    if not digest:
        repo, _, digest = rest.rpartition(":")
    found = clients(registry_host).get_manifest(repo, digest)
    if found is None:
        raise PipelineError(f"{ref}: not found")
    return found.json(), found.digest


def render_verdicts(verdicts: Sequence[readback.Verdict]) -> str:
    """The verdict lines (rendered by ``bake.report``, where every output text lives)."""
    return publish_report.render_verdicts(verdicts)


def release(
    images: Sequence[Image],
    records: Sequence[Record],
    refs_of: Callable[[Image], Sequence[str]],
    prefixes: Sequence[str],
    show: Callable[[str], None],
    seal: Callable[[Sequence[Target]], None] | None = None,
    clients: registry.ClientFor = registry.client_for,
) -> tuple[readback.Verdict, ...]:
    """Phases 2–4 for uploaded records: combine and check by digest, tag, read back.

    ``seal`` (``bake.publish.signing``) signs, attests and verifies the checked indexes; it runs
    after the checks by digest and before any tag moves, and raises to stop the tags."""
    start = time.monotonic()
    platforms = {image.name: image.platforms for image in images}
    targets = _checked_targets(images, records, refs_of, platforms, prefixes, show, clients)
    if seal is not None:
        seal(targets)
    release_notes.note_releases(targets, os.environ, show, clients)
    _say(f"publish: {len(targets)} indexes uploaded and verified by digest; setting tags")
    moves = _moved_tags(targets, show, clients)
    verdicts = verify(targets, platforms, prefixes, by_tag=True, clients=clients)
    show(render_verdicts(verdicts))
    unchanged = sum(m.state == "unchanged" for m in moves)
    _say(
        f"publish: {len(moves)} tags ({len(moves) - unchanged} moved, {unchanged} unchanged) "
        f"set and read back in {time.monotonic() - start:.1f}s"
    )
    bad = [v for v in verdicts if not v.ok]
    if bad:
        raise PipelineError(
            f"{len(bad)} of {len(verdicts)} pushed refs are not as expected (see above)"
        )
    return tuple(verdicts)


def _checked_targets(
    images: Sequence[Image],
    records: Sequence[Record],
    refs_of: Callable[[Image], Sequence[str]],
    platforms: Mapping[str, Sequence[str]],
    prefixes: Sequence[str],
    show: Callable[[str], None],
    clients: registry.ClientFor,
) -> list[Target]:
    """Phase 2: each image's index combined, uploaded by digest, and checked as tested."""
    try:
        targets = [
            combine(image, [r for r in records if r.image == image.name], refs_of(image), clients)
            for image in images
        ]
    except BakeError as exc:
        raise PipelineError(f"{exc}; no tag was set") from None
    checked = verify(targets, platforms, prefixes, by_tag=False, clients=clients)
    bad = [v for v in checked if not v.ok]
    if bad:
        show(render_verdicts(bad))
        raise PipelineError(
            f"{len(bad)} uploaded indexes are not as tested (see above); no tag was set"
        )
    return targets


def _moved_tags(
    targets: Sequence[Target], show: Callable[[str], None], clients: registry.ClientFor
) -> list[TagMove]:
    """Phase 3: every tag set (each at a verified index); raise if any could not be."""
    moves = set_tags(targets, clients)
    show("tags:\n" + render_moves(moves))
    failed = [m for m in moves if m.state in ("FAILED", "not moved")]
    if failed:
        raise PipelineError(
            f"{len(failed)} of {len(moves)} tags could not be set; every tag points as listed "
            "above (each at a verified index). Content is uploaded: rerun the same command "
            "to finish (tags already right are left alone)."
        )
    return moves
