"""Rehearse .github/workflows/images.yml here, for real (``pytest -k rehearsal``).

The workflow's own jobs run on this machine (tests/workflow.py plays the runner): the plan
job's commands, then each build-matrix entry's ``run:`` steps in their own processes with
the matrix values in their environment, then the merge job, against the local registry
and the real dockerd + QEMU. ``uses:`` steps stand in for the host set-up already done
here, except upload/download-artifact, which carry the stage records through a folder as
GitHub would. What this machine supplies instead of GitHub: the fixture family
(BAKE_CONFIG), a registry namespace of the test's own (REGISTRY), and the event.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import workflow

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "images.yml"
REGISTRY = "127.0.0.1:5000"
SHA = "c0ffee0123456789abcdef0123456789abcdef01"
IGNORE = shutil.ignore_patterns(
    ".git", ".nox", ".hypothesis", "*_cache", "__pycache__", "artifacts", "docs", "*.tar"
)
ACCEPT = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
    ]
)


@pytest.fixture
def namespace() -> Iterator[str]:
    """A registry namespace of this test's own; local images under it are removed after."""
    name = f"t-ci-{uuid.uuid4().hex[:10]}"
    yield name
    listed = subprocess.run(
        ["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    mine = [ref for ref in listed if ref.startswith(f"{REGISTRY}/{name}/")]
    if mine:
        subprocess.run(["docker", "image", "rm", *mine], capture_output=True, check=False)


def _get(path: str) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://{REGISTRY}/v2/{path}", headers={"Accept": ACCEPT})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _json(path: str) -> dict[str, Any]:
    status, body = _get(path)
    assert status == 200, (path, status, body[:300])
    result: dict[str, Any] = json.loads(body)
    return result


def _tags(repository: str) -> list[str]:
    """The tags of a repository; none when it does not exist or holds only digests."""
    status, body = _get(f"{repository}/tags/list")
    if status == 404:
        return []
    assert status == 200, body
    return sorted(json.loads(body).get("tags") or [])


def _platform(descriptor: dict[str, Any]) -> str:
    p = descriptor["platform"]
    return "/".join([p["os"], p["architecture"], *([p["variant"]] if p.get("variant") else [])])


def _rehearse(
    tmp_path: Path, family: str, namespace: str, event: str, ref: str
) -> workflow.Rehearsal:
    github = {
        "event_name": event,
        "ref": ref,
        "ref_name": ref.rsplit("/", 1)[-1],
        "sha": SHA,
        "workflow": "images",
        "actor": "rehearsal",
        "repository_owner": "rehearsal",
        "event": {},
    }
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    count = iter(range(1000))

    def make_context(job: str, needs: dict[str, Any], matrix: dict[str, Any]) -> workflow.Context:
        workspace = tmp_path / f"{next(count):02d}-{job}-{matrix.get('id', '')}" / "repo"
        if job != "probe":
            shutil.copytree(REPO, workspace, ignore=IGNORE)  # actions/checkout
        return workflow.Context(
            github=github,
            workspace=workspace,
            artifacts=artifacts,
            base_env=workflow.host_env(),
            overrides={
                "BAKE_CONFIG": str(workspace / "tests" / "fixtures" / family / "family.yaml"),
                "REGISTRY": f"{REGISTRY}/{namespace}",
            },
            needs=needs,
            matrix=matrix,
        )

    return workflow.rehearse(workflow.load(WORKFLOW), make_context)


def test_rehearsal_of_a_release_publishes_verified_indexes(tmp_path: Path, namespace: str) -> None:
    start = time.monotonic()
    run = _rehearse(tmp_path, "tiny", namespace, "push", "refs/tags/v1.2.3")
    assert run.plan.result == "success", run.plan.log
    assert [(m["platform"], m["qemu"]) for m in run.matrix] == [
        ("linux/amd64", False),
        ("linux/arm64", False),
        ("linux/arm/v7", True),
    ]
    for build in run.builds:
        assert build.result == "success", build.log[-4000:]
        assert "### Smoke tests: all on linux/" in build.summary
    assert run.merge is not None and run.merge.result == "success", run.merge and run.merge.log
    assert "### Pushed" in run.merge.summary

    records = {
        path.name: json.loads(path.read_text())
        for path in (tmp_path / "artifacts").rglob("*@*.json")
    }
    expected_platforms = {
        "base": ["linux/amd64", "linux/arm64", "linux/arm/v7"],
        "hello": ["linux/amd64", "linux/arm64", "linux/arm/v7"],
        "turbo-hello": ["linux/amd64", "linux/arm64"],
    }
    plan = json.loads(run.plan.outputs["plan"])
    planned = {image["name"]: image for image in plan["images"]}
    tags = ["1", "1.2", "1.2.3", "latest", "sha-c0ffee0"]
    for image, platforms in expected_platforms.items():
        repository = f"{namespace}/{image}"
        assert sorted(planned[image]["tags"]) == sorted(
            f"{REGISTRY}/{repository}:{t}" for t in tags
        )
        assert _tags(repository) == tags
        index = _json(f"{repository}/manifests/latest")
        for tag in tags:
            assert _json(f"{repository}/manifests/{tag}") == index
        images = {
            _platform(m): m["digest"]
            for m in index["manifests"]
            if m["platform"]["os"] != "unknown"
        }
        assert sorted(images) == sorted(platforms)
        for platform in platforms:
            record = records[f"{image}@{platform.replace('/', '-')}.json"]
            assert record["status"] == "passed"
            # The merged index points at the manifest the smoke tests ran, per platform.
            assert images[platform] == record["tested"], (image, platform)
    print(f"rehearsal (release) took {time.monotonic() - start:.0f}s")


def test_rehearsal_of_a_failing_platform_tags_nothing(tmp_path: Path, namespace: str) -> None:
    start = time.monotonic()
    run = _rehearse(tmp_path, "broken", namespace, "push", "refs/heads/main")
    results = {m["platform"]: b for m, b in zip(run.matrix, run.builds, strict=True)}
    assert results["linux/amd64"].result == "success", results["linux/amd64"].log[-3000:]
    assert results["linux/arm64"].result == "success", results["linux/arm64"].log[-3000:]
    arm = results["linux/arm/v7"]
    assert arm.result == "failure"
    assert "FAILED app on linux/arm/v7: test 'not-on-armhf'" in arm.log
    assert "### Smoke tests: all on linux/arm/v7" in arm.summary
    assert "❌ **FAIL** (not-on-armhf)" in arm.summary
    # The merge runs anyway, names what is missing, and sets no tag.
    assert run.merge is not None and run.merge.result == "failure"
    assert "no tag was set" in run.merge.log
    assert "app on linux/arm/v7" in run.merge.log
    assert "Merge: no tag was set" in run.merge.summary
    for image in ("base", "app"):
        assert _tags(f"{namespace}/{image}") == []
    print(f"rehearsal (failing platform) took {time.monotonic() - start:.0f}s")
