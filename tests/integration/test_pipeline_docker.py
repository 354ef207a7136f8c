"""The real sessions on the tiny fixture families, against the real Docker daemon, QEMU and
the local registry at 127.0.0.1:5000 (scripts/setup-host.sh sets them up).

Each test publishes under a namespace of its own, so runs never see each other's images,
and what was pushed is read back with the registry's HTTP API directly: an independent
check of bake.publish.readback's verdict, not bake checking itself.
"""

from __future__ import annotations

import os
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bake.build import host
from bake.core.docker import BINFMT_ROOT, Docker
from bake.core.errors import PipelineError
from bake.front import sessions
from bake.model import platforms as bake_platforms
from bake.model.naming import VARIABLES
from bake.publish import endpoint
from tests.localregistry import (
    ACCEPT,
    REGISTRY,
    fresh_namespace,
    get,
    get_json,
    platform_of,
    remove_local_images,
    tags_of,
)

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny" / "family.yaml"
BROKEN = ROOT / "tests" / "fixtures" / "broken" / "family.yaml"
PLATFORMS = {
    "base": ["linux/amd64", "linux/arm64", "linux/arm/v7"],
    "hello": ["linux/amd64", "linux/arm64", "linux/arm/v7"],
    "turbo-hello": ["linux/amd64", "linux/arm64"],
}


@pytest.fixture
def namespace(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh registry namespace; the local images tagged under it are removed after."""
    monkeypatch.delenv("BAKE_SBOM_GENERATOR", raising=False)
    for variable in VARIABLES:
        monkeypatch.delenv(variable.name, raising=False)
    name = fresh_namespace("it")
    yield name
    remove_local_images(name)


def _content_digest(path: str) -> str:
    request = urllib.request.Request(
        f"http://{REGISTRY}/v2/{path}", headers={"Accept": ACCEPT}, method="HEAD"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(response.headers["Docker-Content-Digest"])


def test_host_is_ready_for_the_pipeline() -> None:
    """The checks pass, and what they vouch for is true when looked at directly: a
    buildx >= 0.29, the containerd image store, an enabled QEMU handler with the F flag
    for every foreign platform, and a registry answering /v2/."""
    platforms = ("linux/amd64", "linux/arm64", "linux/arm/v7")
    assert host.check_build_host(Docker()) is None
    assert host.check_binfmt(platforms) is None
    assert endpoint.check_registry(f"{REGISTRY}/anything") is None

    def docker(*args: str) -> str:
        return subprocess.run(["docker", *args], capture_output=True, text=True, check=True).stdout

    buildx = host.parse_buildx_version(docker("buildx", "version"))
    assert buildx is not None and buildx >= (0, 29), buildx
    assert "io.containerd.snapshotter.v1" in docker("info", "--format", "{{json .DriverStatus}}")
    foreign = host.foreign_platforms(platforms)
    assert len(foreign) == 2  # two of the three need QEMU on any of their CPUs
    for platform in foreign:
        handler = BINFMT_ROOT / bake_platforms.get(platform).qemu_handler
        lines = handler.read_text().splitlines()
        assert lines[0] == "enabled", (handler, lines)
        flags = next(line for line in lines if line.startswith("flags:"))
        assert "F" in flags.split(":", 1)[1], (handler, flags)
    assert get("")[0] == 200


def test_push_all_builds_tests_pushes_and_the_registry_holds_exact_indexes(namespace: str) -> None:
    spec = sessions.by_name(sessions.catalogue(TINY), "push-all")
    spec.action([f"REGISTRY={REGISTRY}/{namespace}", "TAG=it,it2"])

    for image, platforms in PLATFORMS.items():
        repository = f"{namespace}/{image}"
        assert tags_of(repository) == ["it", "it2"]  # (and its release record, .bake)
        index = get_json(f"{repository}/manifests/it")
        assert index["mediaType"] == "application/vnd.oci.image.index.v1+json"
        images = [m for m in index["manifests"] if m["platform"]["os"] != "unknown"]
        attestations = [m for m in index["manifests"] if m["platform"]["os"] == "unknown"]
        assert sorted(platform_of(m) for m in images) == sorted(platforms)
        assert {a["annotations"]["vnd.docker.reference.digest"] for a in attestations} == {
            m["digest"] for m in images
        }
        assert get_json(f"{repository}/manifests/it2") == index
        # Independently of bake: the registry's digest of the tag is the local image's id
        # (with the containerd store, the digest of the index the smoke tests ran).
        local_id = subprocess.run(
            ["docker", "image", "inspect", "--format", "{{.Id}}", f"{REGISTRY}/{repository}:it"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for tag in ("it", "it2"):
            assert _content_digest(f"{repository}/manifests/{tag}") == local_id
        for attestation in attestations:
            manifest = get_json(f"{repository}/manifests/{attestation['digest']}")
            predicates = {
                layer["annotations"]["in-toto.io/predicate-type"]: layer
                for layer in manifest["layers"]
            }
            assert "https://slsa.dev/provenance/v0.2" in predicates
            assert "https://spdx.dev/Document" in predicates
    # The SBOM is real: it lists the packages of the Debian image.
    spdx_layer = predicates["https://spdx.dev/Document"]
    statement = get_json(f"{namespace}/turbo-hello/blobs/{spdx_layer['digest']}")
    assert statement["predicate"]["spdxVersion"] == "SPDX-2.3"
    names = {package["name"] for package in statement["predicate"]["packages"]}
    assert {"base-files", "dpkg", "libc6"} <= names


def test_broken_family_pushes_nothing(namespace: str, capfd: pytest.CaptureFixture[str]) -> None:
    spec = sessions.by_name(sessions.catalogue(BROKEN), "push-all")
    with pytest.raises(PipelineError, match="nothing was uploaded and no tag was set"):
        spec.action([f"REGISTRY={REGISTRY}/{namespace}"])
    out = capfd.readouterr().out
    assert "FAILED app on linux/arm/v7: test 'not-on-armhf': exit code 1" in out
    rows = {
        line.split()[0]: line for line in out.splitlines() if line.startswith(("base ", "app "))
    }
    assert rows["base"].count("pass") == 3
    assert rows["app"].count("pass") == 2 and "FAIL" in rows["app"]
    for image in ("base", "app"):
        status, body = get(f"{namespace}/{image}/tags/list")
        assert status == 404, body


def test_nox_build_session_loads_every_platform(namespace: str) -> None:
    ref = f"{REGISTRY}/{namespace}/hello:latest"
    env = {**os.environ, "BAKE_CONFIG": str(TINY)}
    subprocess.run(
        [
            "nox",
            "-f",
            str(ROOT / "noxfile.py"),
            "-s",
            "build-hello",
            "--",
            f"REGISTRY={REGISTRY}/{namespace}",
        ],
        env=env,
        check=True,
        cwd=ROOT,
    )
    for platform, arch in (
        ("linux/amd64", "amd64"),
        ("linux/arm64", "arm64"),
        ("linux/arm/v7", "armhf"),
    ):
        proc = subprocess.run(
            ["docker", "run", "--rm", "--pull", "never", "--platform", platform, ref, "tiny-hello"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert proc.stdout == f"hello from {arch}\n"
    status, _ = get(f"{namespace}/hello/tags/list")
    assert status == 404  # build does not push
