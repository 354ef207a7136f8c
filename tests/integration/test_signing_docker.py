"""Signing for real, on the tiny fixture family: one stage (every platform, SBOMs on)
into a registry of this module's own, then merges with ``BAKE_SIGN=key:…``:

* a signed release: every index signed, given provenance and its SBOMs checked before its
  tags move; afterwards, independently of bake, ``cosign verify`` and
  ``cosign verify-attestation`` with the public key succeed on the tagged digest;
* a tampered digest in a stage record, a manifest replaced in the registry's storage
  between stage and merge, and a signature that does not verify (the wrong public key
  beside the signing key): each merge exits non-zero with one line and tags nothing.

The registry is a ``docker-registry`` of this module's own (its storage is a folder the
tamper test edits); registry contents are read with the HTTP API directly.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bake.model.naming import VARIABLES
from tests.ci import require_tool
from tests.ownregistry import OwnRegistry

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny" / "family.yaml"
IMAGES = ("base", "hello", "turbo-hello")
PASSWORD = "test-only-password"
ACCEPT = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json"


@dataclass(frozen=True)
class Staged:
    registry: OwnRegistry
    namespace: str
    digests: Path  # the stage records
    key: Path  # cosign.key (cosign.pub beside it)
    other_pub: Path  # the public key of another pair

    @property
    def prefix(self) -> str:
        return f"{self.registry.address}/{self.namespace}"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {v.name for v in VARIABLES}}
    env = {k: v for k, v in env.items() if not k.startswith(("GITHUB_", "ACTIONS_"))}
    return {
        **env,
        "BAKE_CONFIG": str(TINY),
        "BAKE_SBOM_GENERATOR": "auto",
        "BAKE_RETRY_DELAY": "0.2",
        "COSIGN_PASSWORD": PASSWORD,
        **extra,
    }


def _bake(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bake", *args],
        env=_env(**extra),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def _key_pair(folder: Path) -> Path:
    folder.mkdir(parents=True)
    subprocess.run(
        ["cosign", "generate-key-pair"],
        cwd=folder,
        env={**os.environ, "COSIGN_PASSWORD": PASSWORD},
        check=True,
        capture_output=True,
    )
    return folder / "cosign.key"


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Staged]:
    require_tool("cosign")
    folder = tmp_path_factory.mktemp("signing")
    registry = OwnRegistry(folder)
    registry.start()
    try:
        key = _key_pair(folder / "key")
        other = _key_pair(folder / "other")
        digests = folder / "digests"
        namespace = "sign-it"
        proc = _bake(
            "stage",
            "all",
            "--digests",
            str(digests),
            f"REGISTRY={registry.address}/{namespace}",
            "TAG=staged",
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        yield Staged(registry, namespace, digests, key, other.with_suffix(".pub"))
    finally:
        registry.stop()


def _merge(staged: Staged, tag: str, digests: Path, key: Path) -> subprocess.CompletedProcess[str]:
    return _bake(
        "merge",
        "all",
        "--digests",
        str(digests),
        f"REGISTRY={staged.prefix}",
        f"TAG={tag}",
        BAKE_SIGN=f"key:{key}",
    )


def _get(staged: Staged, path: str) -> tuple[int, bytes, dict[str, str]]:
    url = f"http://{staged.registry.address}/v2/{staged.namespace}/{path}"
    request = urllib.request.Request(url, headers={"Accept": ACCEPT})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def _tags(staged: Staged, image: str) -> list[str]:
    status, body, _ = _get(staged, f"{image}/tags/list")
    return sorted(json.loads(body).get("tags") or []) if status == 200 else []


def _release_tags(staged: Staged, tag: str) -> dict[str, list[str]]:
    """Which images carry ``tag`` (signatures' own ``sha256-….sig`` tags aside)."""
    return {image: [t for t in _tags(staged, image) if t == tag] for image in IMAGES}


def _cosign_verify(*args: str) -> list[dict[str, Any]]:
    proc = subprocess.run(
        ["cosign", *args, "--insecure-ignore-tlog", "--allow-http-registry"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return [item for one in found for item in (one if isinstance(one, list) else [one])]


def _one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and last.endswith("no tag was set"), proc.stderr[-3000:]
    print(f"merge refused: {last}")
    return last


def test_a_signed_release_verifies(staged: Staged) -> None:
    proc = _merge(staged, "signed", staged.digests, staged.key)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "verified: signature, provenance, SBOM" in proc.stderr
    records = [json.loads(p.read_text()) for p in staged.digests.glob("*.json")]
    for image in IMAGES:
        assert "signed" in _tags(staged, image)
        status, _, headers = _get(staged, f"{image}/manifests/signed")
        assert status == 200
        digest = headers["Docker-Content-Digest"]
        ref = f"{staged.prefix}/{image}:signed"
        public = str(staged.key.with_suffix(".pub"))
        # Independently of bake: the tagged digest's signature verifies with the public key…
        (signed,) = _cosign_verify("verify", "--key", public, ref)
        assert signed["critical"]["image"]["docker-manifest-digest"] == digest
        # …and so does its provenance, which names the digest and the stage records.
        envelopes = _cosign_verify(
            "verify-attestation", "--type", "slsaprovenance1", "--key", public, ref
        )
        statements = [json.loads(base64.b64decode(e["payload"])) for e in envelopes]
        assert statements
        for statement in statements:
            assert statement["subject"][0]["digest"]["sha256"] == digest.removeprefix("sha256:")
            used = {
                d["uri"] for d in statement["predicate"]["buildDefinition"]["resolvedDependencies"]
            }
            mine = {f"{r['repository']}@{r['digest']}" for r in records if r["image"] == image}
            assert mine and mine <= used


def test_a_tampered_record_digest_tags_nothing(staged: Staged, tmp_path: Path) -> None:
    digests = tmp_path / "digests"
    shutil.copytree(staged.digests, digests)
    path = digests / "hello@linux-arm64.json"
    record = json.loads(path.read_text())
    record["digest"] = "sha256:" + hashlib.sha256(b"not what was staged").hexdigest()
    path.write_text(json.dumps(record))
    line = _one_line_error(_merge(staged, "tampered", digests, staged.key))
    assert record["digest"] in line
    assert _release_tags(staged, "tampered") == {image: [] for image in IMAGES}


def test_a_manifest_replaced_in_the_registry_tags_nothing(staged: Staged) -> None:
    record = json.loads((staged.digests / "base@linux-amd64.json").read_text())
    hex_digest = record["digest"].removeprefix("sha256:")
    blobs = staged.registry.config.parent / "data" / "docker" / "registry" / "v2" / "blobs"
    stored = blobs / "sha256" / hex_digest[:2] / hex_digest / "data"
    original = stored.read_bytes()
    index = json.loads(original)
    index["manifests"] = index["manifests"][1:]  # one platform's manifest swapped out
    try:
        stored.write_bytes(json.dumps(index).encode())
        line = _one_line_error(_merge(staged, "replaced", staged.digests, staged.key))
        assert "tampered or corrupt storage" in line and hex_digest in line
    finally:
        stored.write_bytes(original)
    assert _release_tags(staged, "replaced") == {image: [] for image in IMAGES}


def test_a_signature_that_does_not_verify_tags_nothing(staged: Staged, tmp_path: Path) -> None:
    key = tmp_path / "cosign.key"
    shutil.copy(staged.key, key)
    shutil.copy(staged.other_pub, key.with_suffix(".pub"))  # not the signing key's pair
    line = _one_line_error(_merge(staged, "wrongkey", staged.digests, key))
    assert "verification failed" in line and "the signature does not verify" in line
    assert _release_tags(staged, "wrongkey") == {image: [] for image in IMAGES}
