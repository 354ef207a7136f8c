"""bake.publish.readback: judging a pushed index and its attestation manifests (pure parts), and
reading one back with the docker CLI stubbed (read_raw's capture seam)."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from bake.core import run
from bake.core.errors import CommandError
from bake.publish import readback

AMD64 = "sha256:" + "a" * 64
ARM64 = "sha256:" + "b" * 64


def _image(digest: str, arch: str, variant: str | None = None) -> dict[str, Any]:
    platform = {"architecture": arch, "os": "linux", **({"variant": variant} if variant else {})}
    return {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": digest,
        "size": 1,
        "platform": platform,
    }


def _attestation(digest: str, subject: str) -> dict[str, Any]:
    return {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": digest,
        "size": 1,
        "annotations": {
            "vnd.docker.reference.digest": subject,
            "vnd.docker.reference.type": "attestation-manifest",
        },
        "platform": {"architecture": "unknown", "os": "unknown"},
    }


def _index(*manifests: dict[str, Any]) -> dict[str, Any]:
    return {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": list(manifests),
    }


GOOD = _index(
    _image(AMD64, "amd64"),
    _image(ARM64, "arm64"),
    _attestation("sha256:" + "c" * 64, AMD64),
    _attestation("sha256:" + "d" * 64, ARM64),
)


def test_a_complete_index_has_no_problems() -> None:
    assert readback.index_problems(GOOD, ("linux/amd64", "linux/arm64")) == []


def test_missing_and_unexpected_platforms() -> None:
    problems = readback.index_problems(GOOD, ("linux/amd64", "linux/arm/v7"))
    assert problems == [
        "platforms ['linux/amd64', 'linux/arm64'], expected exactly ['linux/amd64', 'linux/arm/v7']; "
        "missing ['linux/arm/v7']; unexpected ['linux/arm64']"
    ]


def test_variant_is_part_of_the_platform() -> None:
    index = _index(_image(AMD64, "arm", "v7"), _attestation("sha256:" + "c" * 64, AMD64))
    assert readback.index_problems(index, ("linux/arm/v7",)) == []


def test_every_platform_needs_an_attestation_manifest() -> None:
    index = _index(
        _image(AMD64, "amd64"), _image(ARM64, "arm64"), _attestation("sha256:" + "c" * 64, AMD64)
    )
    assert readback.index_problems(index, ("linux/amd64", "linux/arm64")) == [
        "linux/arm64: no attestation manifest"
    ]


def test_a_single_manifest_is_not_an_index() -> None:
    single = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "layers": [],
    }
    assert readback.index_problems(single, ("linux/amd64",)) == [
        "is a single manifest (application/vnd.oci.image.manifest.v1+json), not a multi-platform index"
    ]


def _attestation_manifest(*predicates: str) -> dict[str, Any]:
    return {
        "layers": [
            {
                "mediaType": "application/vnd.in-toto+json",
                "annotations": {"in-toto.io/predicate-type": p},
            }
            for p in predicates
        ]
    }


def test_attestation_predicates() -> None:
    both = _attestation_manifest("https://slsa.dev/provenance/v0.2", "https://spdx.dev/Document")
    wanted = ("https://slsa.dev/provenance/", "https://spdx.dev/Document")
    assert readback.attestation_problems("linux/amd64", both, wanted) == []
    only = _attestation_manifest("https://slsa.dev/provenance/v1")
    assert readback.attestation_problems("linux/amd64", only, wanted) == [
        "linux/amd64: no https://spdx.dev/Document… attestation (found ['https://slsa.dev/provenance/v1'])"
    ]


@pytest.mark.parametrize(
    ("ref", "repository"),
    [
        ("127.0.0.1:5000/ns/base:latest", "127.0.0.1:5000/ns/base"),
        ("127.0.0.1:5000/ns/base", "127.0.0.1:5000/ns/base"),
        ("ghcr.io/a/b@sha256:" + "a" * 64, "ghcr.io/a/b"),
    ],
)
def test_repository_of(ref: str, repository: str) -> None:
    assert readback.repository_of(ref) == repository


def _stub_registry(
    blobs: dict[str, dict[str, Any]],
) -> tuple[Callable[[str], tuple[dict[str, Any], str]], list[str]]:
    """``read_raw`` against ``blobs`` (ref → JSON), and the refs it was asked for."""
    asked: list[str] = []

    def fake_capture(cmd: Sequence[str]) -> str:
        assert list(cmd[:5]) == ["docker", "buildx", "imagetools", "inspect", "--raw"]
        asked.append(cmd[5])
        if cmd[5] not in blobs:
            raise CommandError(run.failure_message(cmd, 1, "", "not found"))
        return json.dumps(blobs[cmd[5]], indent=2)

    return functools.partial(readback.read_raw, capture=fake_capture), asked


def test_verify_ref_reads_the_index_and_each_attestation() -> None:
    prov = _attestation_manifest("https://slsa.dev/provenance/v0.2")
    blobs = {
        "r/ns/x:t": GOOD,
        "r/ns/x@sha256:" + "c" * 64: prov,
        "r/ns/x@sha256:" + "d" * 64: prov,
    }
    read, asked = _stub_registry(blobs)
    digest = "sha256:" + hashlib.sha256(json.dumps(GOOD, indent=2).encode()).hexdigest()
    verdict = readback.verify_ref(
        "r/ns/x:t",
        ("linux/amd64", "linux/arm64"),
        ("https://slsa.dev/provenance/",),
        digest,
        read=read,
    )
    assert verdict.ok, verdict.problems
    assert verdict.digest == digest
    assert asked == list(blobs)


def test_verify_ref_reports_a_digest_that_is_not_the_tested_one() -> None:
    prov = _attestation_manifest("https://slsa.dev/provenance/v0.2")
    read, _ = _stub_registry(
        {"r/x:t": GOOD, "r/x@sha256:" + "c" * 64: prov, "r/x@sha256:" + "d" * 64: prov}
    )
    verdict = readback.verify_ref(
        "r/x:t", ("linux/amd64", "linux/arm64"), (), "sha256:" + "0" * 64, read=read
    )
    assert not verdict.ok
    assert verdict.problems[0].endswith("is not the tested image's sha256:" + "0" * 64)


def test_verify_ref_of_a_missing_ref() -> None:
    read, _ = _stub_registry({})
    verdict = readback.verify_ref("r/x:t", ("linux/amd64",), (), None, read=read)
    assert verdict.problems[0].startswith("cannot read it back: command failed with exit code 1")
