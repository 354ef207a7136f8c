"""``prune`` for real, on a registry of the test's own (delete enabled, GC allowed): one
build of the tiny family's ``hello`` (three platforms), minted into 12 versions (each its
own small layer per platform, so each version has blobs of its own), tagged the way CI
tags them, then pruned with ``keep_sha: 3``. The dry run's plan is what then happened;
every kept tag pulls on every platform; deleted tags are gone; GC frees their blobs; and
a child manifest deleted behind prune's back makes its check fail.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import io
import json
import re
import shutil
import subprocess
import tarfile
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bake.core.errors import PipelineError
from bake.front import sessions
from bake.model.naming import VARIABLES
from bake.publish import changelog, release_record
from bake.publish import registry as publish_registry
from tests.localregistry import remove_images
from tests.ownregistry import OwnRegistry

pytestmark = pytest.mark.docker

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
PLATFORMS = ("linux/amd64", "linux/arm64", "linux/arm/v7")
INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
ACCEPT = f"{INDEX}, {MANIFEST}"
RELEASES = {4: ("1.0.0", "1.0"), 8: ("1.1.0", "1.1", "1"), 12: ("latest", "edge")}


@pytest.fixture
def own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OwnRegistry]:
    for variable in VARIABLES:
        monkeypatch.delenv(variable.name, raising=False)
    monkeypatch.setenv("BAKE_SBOM_GENERATOR", "off")
    publish_registry.client_for.cache_clear()
    registry = OwnRegistry(tmp_path / "registry")
    registry.start()
    yield registry
    registry.stop()
    remove_images(lambda ref: ref.startswith(registry.address + "/"))


def _get(address: str, path: str) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://{address}/v2/{path}", headers={"Accept": ACCEPT})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _tags(address: str, repo: str) -> set[str]:
    status, body = _get(address, f"{repo}/tags/list")
    return set(json.loads(body).get("tags") or []) if status == 200 else set()


def _layer(text: str) -> tuple[bytes, str]:
    """A gzipped tar holding /etc/bake-version; (its bytes, its diff id)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        data = text.encode()
        info = tarfile.TarInfo("etc/bake-version")
        info.size, info.mtime = len(data), 0
        tar.addfile(info, io.BytesIO(data))
    tar_bytes = raw.getvalue()
    return gzip.compress(tar_bytes, mtime=0), "sha256:" + hashlib.sha256(tar_bytes).hexdigest()


def _put_blob(client: publish_registry.Client, repo: str, blob: bytes) -> str:
    digest = publish_registry.digest_of(blob)
    client.upload_blob(repo, digest, len(blob), lambda: io.BytesIO(blob))
    return digest


def _mint(
    client: publish_registry.Client, repo: str, seed: dict[str, Any], version: int
) -> publish_registry.Manifest:
    """A new version of the seed index: each image manifest gets a layer of its own."""
    moved: dict[str, dict[str, Any]] = {}
    descriptors = []
    for d in seed["manifests"]:
        if d["platform"]["os"] == "unknown":
            continue
        manifest = client.get_manifest(repo, d["digest"])
        assert manifest is not None
        image: dict[str, Any] = json.loads(manifest.body)
        config = json.loads(client.get_blob(repo, image["config"]["digest"]) or b"")
        layer, diff_id = _layer(f"version {version} {d['platform']['architecture']}\n")
        config["rootfs"]["diff_ids"].append(diff_id)
        config_blob = json.dumps(config).encode()
        image["config"] = {
            **image["config"],
            "digest": _put_blob(client, repo, config_blob),
            "size": len(config_blob),
        }
        image["layers"] = [
            *image["layers"],
            {"mediaType": LAYER, "size": len(layer), "digest": _put_blob(client, repo, layer)},
        ]
        body = json.dumps(image).encode()
        digest = client.put_manifest(repo, publish_registry.digest_of(body), body, MANIFEST)
        moved[d["digest"]] = {**d, "digest": digest, "size": len(body)}
    for d in seed["manifests"]:
        subject = (d.get("annotations") or {}).get("vnd.docker.reference.digest")
        if d["digest"] in moved:
            descriptors.append(moved[d["digest"]])
        elif subject in moved:
            annotations = {
                **d["annotations"],
                "vnd.docker.reference.digest": moved[subject]["digest"],
            }
            descriptors.append({**d, "annotations": annotations})
    body = json.dumps({"schemaVersion": 2, "mediaType": INDEX, "manifests": descriptors}).encode()
    client.put_manifest(repo, publish_registry.digest_of(body), body, INDEX)
    return publish_registry.Manifest(body, INDEX, publish_registry.digest_of(body))


def _publish_versions(own: OwnRegistry, repo: str) -> dict[int, publish_registry.Manifest]:
    client = publish_registry.client_for(own.address)
    seed = client.get_manifest(repo, "seed")
    assert seed is not None
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    versions = {}
    for version in range(1, 13):
        index = _mint(client, repo, seed.json(), version)
        versions[version] = index
        sha = hashlib.sha1(str(version).encode()).hexdigest()[:7]
        for tag in (f"sha-{sha}", *RELEASES.get(version, ())):
            client.put_manifest(repo, tag, index.body, INDEX)
        created = (start + datetime.timedelta(hours=version)).strftime("%Y-%m-%dT%H:%M:%SZ")
        notes = changelog.Changelog("hello", "", {})
        release_record.put_record(client, repo, index, notes, {}, "local", created)
    for version in (2, 12):  # a cosign-style signature on one deleted and one kept version
        sig = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": MANIFEST,
                "config": {
                    "mediaType": "application/vnd.oci.empty.v1+json",
                    "digest": publish_registry.digest_of(b"{}"),
                    "size": 2,
                },
                "layers": [],
                "annotations": {"version": str(version)},
            }
        ).encode()
        client.put_manifest(
            repo, versions[version].digest.replace(":", "-") + ".sig", sig, MANIFEST
        )
    return versions


def _planned(out: str) -> tuple[set[str], set[str], set[str]]:
    """(tags deleted, tags untagged, manifests deleted) from a printed plan table."""
    deleted, untagged, manifests = set(), set(), set()
    for line in out.splitlines():
        found = re.match(r"^  (\S+) +sha256:\S+ +\S+ +(keep|delete|untag) ", line)
        if found and found.group(2) == "delete":
            deleted.add(found.group(1))
        elif found and found.group(2) == "untag":
            untagged.add(found.group(1))
        manifest = re.match(r"^  manifest (sha256:[0-9a-f]{64})  delete", line)
        if manifest:
            manifests.add(manifest.group(1))
    return deleted, untagged, manifests


def test_prune_keeps_every_release_and_three_sha_tags_and_gc_frees_the_rest(
    own: OwnRegistry, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(TINY, tmp_path / "family")
    config = tmp_path / "family" / "family.yaml"
    config.write_text(config.read_text() + "\nprune: {keep_sha: 3}\n")
    namespace = f"prune-{uuid.uuid4().hex[:8]}"
    at = [f"REGISTRY={own.address}/{namespace}", "TAG=seed"]
    catalogue = sessions.catalogue(config)
    sessions.by_name(catalogue, "push-hello").action(at)
    repo = f"{namespace}/hello"
    versions = _publish_versions(own, repo)
    before_tags, before_blobs = _tags(own.address, repo), own.blobs()
    own_layers = {
        v: {
            layer["digest"]
            for d in json.loads(i.body)["manifests"]
            if d["platform"]["os"] != "unknown"
            for layer in json.loads(_get(own.address, f"{repo}/manifests/{d['digest']}")[1])[
                "layers"
            ][-1:]
        }
        for v, i in versions.items()
    }

    capfd.readouterr()
    sessions.by_name(catalogue, "prune-hello").action([*at, "--dry-run"])
    dry = capfd.readouterr().out
    assert "(dry run: nothing deleted)" in dry
    assert _tags(own.address, repo) == before_tags  # a dry run deletes nothing
    deleted, untagged, manifests = _planned(dry)
    shas = {v: f"sha-{hashlib.sha1(str(v).encode()).hexdigest()[:7]}" for v in versions}
    # sha tags of versions 1-9 go; 4 and 8 only untagged (their release tags keep the index)
    assert untagged == {shas[4], shas[8]}, dry
    gone_versions = (1, 2, 3, 5, 6, 7, 9)
    record = {release_record.record_tag(versions[v].digest) for v in gone_versions}
    sig = versions[2].digest.replace(":", "-") + ".sig"
    assert deleted == {shas[v] for v in gone_versions} | record | {sig}
    assert {versions[v].digest for v in gone_versions} <= manifests

    sessions.by_name(catalogue, "prune-hello").action(at)
    out = capfd.readouterr().out
    assert _planned(out) == (deleted, untagged, manifests)  # the very plan, printed again
    after = _tags(own.address, repo)
    assert after == before_tags - deleted - untagged
    for digest in manifests:
        assert _get(own.address, f"{repo}/manifests/{digest}")[0] == 404
    for version in (4, 8, 10, 11, 12):
        assert _get(own.address, f"{repo}/manifests/{versions[version].digest}")[0] == 200
    assert versions[12].digest.replace(":", "-") + ".sig" in after
    for tag in sorted(t for t in after if not t.startswith("sha256-")):
        for platform in PLATFORMS:
            ref = f"{own.address}/{repo}:{tag}"
            subprocess.run(
                ["docker", "pull", "-q", "--platform", platform, ref],
                check=True,
                capture_output=True,
            )
            subprocess.run(["docker", "image", "rm", ref], capture_output=True, check=False)

    own.garbage_collect()
    blobs = own.blobs()
    for version, layers in own_layers.items():
        if version in gone_versions:
            assert not layers & blobs, version
        else:
            assert layers <= blobs, version
    assert len(blobs) < len(before_blobs)

    # A child manifest of a kept tag deleted behind prune's back: its check must fail.
    latest = json.loads(versions[12].body)["manifests"][1]["digest"]
    publish_registry.client_for(own.address).delete_manifest(repo, latest)
    with pytest.raises(PipelineError, match=f"hello:latest: manifest {latest} is missing"):
        sessions.by_name(catalogue, "prune-hello").action(at)
