"""Rehearse .github/workflows/images.yml here, for real (``pytest -k rehearsal``).

The workflow's own jobs run on this machine (tests/workflow.py plays the runner): the plan
job's commands, then each build-matrix entry's ``run:`` steps in their own processes with
the matrix values in their environment, then the merge job, against the local registry
and the real dockerd + QEMU. ``uses:`` steps stand in for the host set-up already done
here, except upload/download-artifact, which carry the stage records through a folder as
GitHub would. What this machine supplies instead of GitHub: the fixture family
(BAKE_CONFIG), a registry namespace of the test's own (REGISTRY), and the event; and,
since there is no GitHub OIDC token here, a key pair of the test's own in place of keyless
signing (BAKE_SIGN=key:…, the same code path with other cosign flags).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import workflow
from tests.ci import require_tool
from tests.localregistry import (
    REGISTRY,
    fresh_namespace,
    get,
    get_json,
    platform_of,
    remove_local_images,
    tags_of,
)

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "images.yml"
SHA = "c0ffee0123456789abcdef0123456789abcdef01"
IGNORE = shutil.ignore_patterns(
    ".git", ".nox", ".hypothesis", "*_cache", "__pycache__", "artifacts", "docs", "*.tar"
)


@pytest.fixture
def namespace() -> Iterator[str]:
    """A registry namespace of this test's own; local images under it are removed after."""
    name = fresh_namespace("t-ci")
    yield name
    remove_local_images(name)


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
    require_tool("cosign")
    keys = tmp_path / "keys"  # GitHub's keyless signing, played by a key pair of our own
    keys.mkdir()
    signing_env = {"COSIGN_PASSWORD": "rehearsal"}
    subprocess.run(
        ["cosign", "generate-key-pair"],
        cwd=keys,
        env={**os.environ, **signing_env},
        check=True,
        capture_output=True,
    )
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
                "BAKE_SIGN": f"key:{keys / 'cosign.key'}",
                **signing_env,
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
    assert "verified: signature, provenance" in run.merge.log

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
        index = get_json(f"{repository}/manifests/latest")
        hex_digest = hashlib.sha256(get(f"{repository}/manifests/latest")[1]).hexdigest()
        signed = {f"sha256-{hex_digest}.{kind}" for kind in ("sig", "att")}
        held = set(tags_of(repository))
        assert signed <= held and sorted(held - signed) == tags  # signed, attested, tagged
        for tag in tags:
            assert get_json(f"{repository}/manifests/{tag}") == index
        images = {
            platform_of(m): m["digest"]
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
        assert tags_of(f"{namespace}/{image}") == []
    print(f"rehearsal (failing platform) took {time.monotonic() - start:.0f}s")
