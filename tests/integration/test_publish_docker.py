"""Publishing for real, on the tiny fixture family: stage per platform + merge gives what
the single-host push gives; a rebuild moves no tag; and the push survives a flaky
registry (``pytest -k fault``): injected 500s and connection resets, a registry that goes
away in the middle of the upload (no tag at all, then a rerun converges), and a SIGTERM
in the middle of the tag phase (every tag at a verified index, then a rerun converges).

Registry contents are read with the HTTP API directly, independently of bake.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bake.core.errors import BakeError
from bake.front import sessions
from bake.model.naming import VARIABLES
from bake.publish import registry as publish_registry
from bake.publish.registries import Registries
from tests.faultproxy import FaultProxy
from tests.localregistry import remove_images
from tests.ownregistry import OwnRegistry

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny" / "family.yaml"
SHARED = "127.0.0.1:5000"
IMAGES = ("base", "hello", "turbo-hello")
ACCEPT = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json"


@pytest.fixture
def namespace(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("BAKE_SBOM_GENERATOR", "off")
    monkeypatch.setenv("BAKE_RETRY_DELAY", "0.2")
    for variable in VARIABLES:
        monkeypatch.delenv(variable.name, raising=False)
    publish_registry.client_for.cache_clear()
    name = f"t-publish-{uuid.uuid4().hex[:8]}"
    yield name
    remove_images(lambda ref: f"/{name}/" in ref)


def _get(address: str, path: str) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(f"http://{address}/v2/{path}", headers={"Accept": ACCEPT})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def _tags(address: str, repository: str) -> list[str]:
    """Image tags: release records (``sha256-<hex>.bake``) are left out."""
    status, body, _ = _get(address, f"{repository}/tags/list")
    tags = json.loads(body).get("tags") or [] if status == 200 else []
    return sorted(t for t in tags if not t.endswith(".bake"))


def _digest(address: str, repository: str, tag: str) -> str:
    status, _, headers = _get(address, f"{repository}/manifests/{tag}")
    assert status == 200, (repository, tag, status)
    return headers["Docker-Content-Digest"]


def _summary(address: str, repository: str, tag: str) -> dict[str, Any]:
    """Platform → (image manifest digest, labels, has an attestation) of a tagged index."""
    status, body, _ = _get(address, f"{repository}/manifests/{tag}")
    assert status == 200
    index = json.loads(body)
    attested = {
        m["annotations"]["vnd.docker.reference.digest"]
        for m in index["manifests"]
        if m["platform"]["os"] == "unknown"
    }
    out = {}
    for m in index["manifests"]:
        if m["platform"]["os"] == "unknown":
            continue
        p = m["platform"]
        platform = "/".join(
            [p["os"], p["architecture"], *([p["variant"]] if "variant" in p else [])]
        )
        manifest = json.loads(_get(address, f"{repository}/manifests/{m['digest']}")[1])
        config = json.loads(_get(address, f"{repository}/blobs/{manifest['config']['digest']}")[1])
        out[platform] = (m["digest"], config["config"].get("Labels"), m["digest"] in attested)
    return out


def _local_id(ref: str) -> str:
    return subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Id}}", ref],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _push(selection: str, registry: str, *args: str, registries: Registries | None = None) -> None:
    seams = sessions.Seams(registries=registries or Registries())
    spec = sessions.by_name(sessions.catalogue(TINY, seams=seams), f"push-{selection}")
    spec.action([f"REGISTRY={registry}", "TAG=it", *args])


class StopsBeforeUploading:
    """A registry client that stops ``registry`` when the first blob of ``repository``
    is about to be uploaded, then goes on as the real client does."""

    def __init__(self, client: Any, registry: OwnRegistry, repository: str) -> None:
        self.client, self.registry, self.repository = client, registry, repository

    def upload_blob(self, repo: str, *args: Any) -> Any:
        if repo == self.repository and self.registry.running:
            self.registry.stop()
        return self.client.upload_blob(repo, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def _bake(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BAKE_CONFIG": str(TINY)}
    return subprocess.run(
        [sys.executable, "-m", "bake", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )


def test_stage_per_platform_then_merge_matches_the_single_host_push(
    namespace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One explicit epoch for every run (the default is a fixed 0; this checks the variable).
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    single, staged = f"{namespace}-push", f"{namespace}-merge"
    _push("all", f"{SHARED}/{single}")
    for platform in ("linux/amd64", "linux/arm64", "linux/arm/v7"):
        proc = _bake(
            "stage",
            "all",
            "--platform",
            platform,
            "--digests",
            str(tmp_path),
            f"REGISTRY={SHARED}/{staged}",
            "TAG=it",
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert _tags(SHARED, f"{staged}/base") == []  # stage sets no tag
    proc = _bake(
        "merge", "all", "--digests", str(tmp_path), f"REGISTRY={SHARED}/{staged}", "TAG=it"
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    for image in IMAGES:
        assert _tags(SHARED, f"{single}/{image}") == _tags(SHARED, f"{staged}/{image}") == ["it"]
        pushed = _summary(SHARED, f"{single}/{image}", "it")
        merged = _summary(SHARED, f"{staged}/{image}", "it")
        # Reproducible builds: the very same image manifests, labels and attestations.
        assert merged == pushed
        assert all(attested for _, _, attested in pushed.values())
        assert {
            p: labels["org.opencontainers.image.title"] for p, (_, labels, _) in pushed.items()
        } == {p: image for p in pushed}
        # Independently of bake: the registry holds the local, tested index itself.
        ref = f"{SHARED}/{single}/{image}:it"
        assert _digest(SHARED, f"{single}/{image}", "it") == _local_id(ref)


def test_a_rebuild_without_cache_moves_no_tag(
    namespace: str, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Timestamps are clamped to SOURCE_DATE_EPOCH when newer; a fixed past epoch makes a
    # layer cached from any earlier build agree with one rebuilt now.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    _push("hello", f"{SHARED}/{namespace}")
    before = _digest(SHARED, f"{namespace}/hello", "it")
    capfd.readouterr()
    _push("hello", f"{SHARED}/{namespace}", "--no-cache")
    out = capfd.readouterr().out
    assert "unchanged" in out and "[same images]" in out, out[-2000:]
    assert _digest(SHARED, f"{namespace}/hello", "it") == before


def test_fault_push_survives_500s_and_connection_resets(
    namespace: str, capfd: pytest.CaptureFixture[str]
) -> None:
    proxy = FaultProxy(SHARED, namespace, error_every=5, reset_every=7)
    try:
        _push("base", f"{proxy.address}/{namespace}")
    finally:
        proxy.refuse()
    assert proxy.errors >= 2 and proxy.resets >= 2, (proxy.errors, proxy.resets)
    assert "retry:" in capfd.readouterr().err
    ref = f"{proxy.address}/{namespace}/base:it"
    assert _digest(SHARED, f"{namespace}/base", "it") == _local_id(ref)


@pytest.fixture
def own_registry(tmp_path: Path) -> Iterator[OwnRegistry]:
    registry = OwnRegistry(tmp_path)
    registry.start()
    yield registry
    registry.stop()


def test_fault_registry_gone_mid_upload_moves_no_tag_and_a_rerun_converges(
    namespace: str, own_registry: OwnRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BAKE_RETRIES", "3")
    # base is uploaded; the registry goes away before hello
    dies = Registries(
        client=lambda host: StopsBeforeUploading(  # type: ignore[arg-type,return-value]
            publish_registry.client_for(host), own_registry, f"{namespace}/hello"
        )
    )
    with pytest.raises(BakeError) as info:
        _push("all", f"{own_registry.address}/{namespace}", registries=dies)
    message = str(info.value)
    assert "upload failed" in message and "no tag was set" in message
    assert "refused" in message.lower()
    assert "docker login" not in message
    own_registry.start()
    for image in IMAGES:
        assert _tags(own_registry.address, f"{namespace}/{image}") == []
    _push("all", f"{own_registry.address}/{namespace}")
    for image in IMAGES:
        ref = f"{own_registry.address}/{namespace}/{image}:it"
        assert _digest(own_registry.address, f"{namespace}/{image}", "it") == _local_id(ref)


def test_fault_sigterm_in_the_tag_phase_leaves_only_verified_tags_and_a_rerun_converges(
    namespace: str, capfd: pytest.CaptureFixture[str]
) -> None:
    proxy = FaultProxy(SHARED, namespace, tag_delay=2.0)
    registry = f"{proxy.address}/{namespace}"
    code = (
        "import sys; from bake.front import sessions; "
        "sessions.by_name(sessions.catalogue(), 'push-all').action(sys.argv[1:])"
    )
    env = {**os.environ, "BAKE_CONFIG": str(TINY)}
    child = subprocess.Popen(
        [sys.executable, "-c", code, f"REGISTRY={registry}", "TAG=it"], env=env, cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 300
        while not proxy.tag_puts and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert proxy.tag_puts, "the push never reached its tag phase"
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=60) != 0
        time.sleep(proxy.tag_delay + 1)  # a PUT already in the proxy still lands: let it
        tagged = {
            image: _digest(SHARED, f"{namespace}/{image}", "it")
            for image in IMAGES
            if _tags(SHARED, f"{namespace}/{image}")
        }
        assert len(tagged) < len(IMAGES)  # interrupted for real
        for image, digest in tagged.items():  # every tag that moved is the tested index
            assert digest == _local_id(f"{registry}/{image}:it")
        proxy.tag_delay = 0
        capfd.readouterr()
        _push("all", registry)  # rebuilt from cache: same image manifests, new attestations
        out = capfd.readouterr().out
        for image in IMAGES:
            digest = _digest(SHARED, f"{namespace}/{image}", "it")
            if image in tagged:  # the same images: the tag was left alone
                assert digest == tagged[image]
                assert re.search(rf"unchanged +{re.escape(registry)}/{image}:it ", out)
            else:
                assert digest == _local_id(f"{registry}/{image}:it")
    finally:
        if child.poll() is None:
            child.kill()
        proxy.refuse()
