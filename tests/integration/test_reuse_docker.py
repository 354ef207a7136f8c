"""Nothing changed, nothing to do (bake.build.reuse), with the real daemon, buildx and registry:
a second build of an unchanged image neither exports nor loads it; a second push uploads
nothing and moves no tag; plain bake of the committed file gives the pipeline's manifests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bake.model.naming import VARIABLES
from tests.localregistry import REGISTRY, fresh_namespace, remove_local_images

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny"


@pytest.fixture
def family(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """A copy of the tiny family under a fresh namespace, with a state folder of its own."""
    for name in (*(v.name for v in VARIABLES), "SOURCE_DATE_EPOCH", "BAKE_SBOM_GENERATOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BAKE_STATE_DIR", str(tmp_path / "state"))
    shutil.copytree(TINY, tmp_path / "tiny")
    name = fresh_namespace("noop")
    yield tmp_path / "tiny", f"{REGISTRY}/{name}"
    remove_local_images(name)


def _bake(root: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "bake", "--config", str(root / "family.yaml"), *args],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stderr + proc.stdout


def test_an_unchanged_build_reuses_the_verified_image(family: tuple[Path, str]) -> None:
    root, namespace = family
    first = _bake(root, "build", "hello", f"REGISTRY={namespace}", "--platform", "linux/amd64")
    assert "docker load" in first
    again = _bake(root, "build", "hello", f"REGISTRY={namespace}", "--platform", "linux/amd64")
    assert "reused as verified: hello" in again
    assert "docker load" not in again and "rewrite-timestamp" not in again
    (root / "dockerfiles" / "apps" / "hello" / "tiny-hello").write_text("echo changed\n")
    changed = _bake(root, "build", "hello", f"REGISTRY={namespace}", "--platform", "linux/amd64")
    assert "docker load" in changed and "reused as verified" not in changed


def test_pushing_an_unchanged_image_twice_moves_no_tag(family: tuple[Path, str]) -> None:
    root, namespace = family
    _bake(root, "push", "hello", f"REGISTRY={namespace}", "TAG=it")
    again = _bake(root, "push", "hello", f"REGISTRY={namespace}", "TAG=it")
    assert "is in every repository already (unchanged)" in again
    assert "(0 moved, 1 unchanged)" in again


def test_plain_bake_of_the_committed_file_gives_the_pipelines_manifests(
    family: tuple[Path, str], tmp_path: Path
) -> None:
    root, namespace = family
    _bake(root, "build", "hello", f"REGISTRY={namespace}", "--platform", "linux/amd64")
    record = json.loads((next((tmp_path / "state").glob("*/verified/hello.json"))).read_text())
    tar = tmp_path / "plain.tar"
    subprocess.run(  # plain bake: no SOURCE_DATE_EPOCH in the environment, the file's default
        [
            "docker", "buildx", "bake", "-f", "docker-bake.hcl", "hello",
            "--set", "*.platform=linux/amd64",
            "--set", f"hello.output=type=oci,dest={tar},rewrite-timestamp=true",
            "--provenance=false",
        ],
        cwd=root,
        env={**os.environ, "REGISTRY": namespace},
        check=True,
        capture_output=True,
        timeout=1800,
    )  # fmt: skip
    with tarfile.open(tar) as opened:  # one platform, no attestation: the manifest alone
        top = json.loads(opened.extractfile("index.json").read())  # type: ignore[union-attr]
    assert {"linux/amd64": top["manifests"][0]["digest"]} == record["manifests"]
