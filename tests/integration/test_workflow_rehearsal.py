"""Rehearse .github/workflows/images.yml here, for real (``pytest -k rehearsal``).

The workflow's own jobs run on this machine (tests/workflow.py plays the runner): the plan
job's commands, then each build-matrix entry's ``run:`` steps in their own processes with
the matrix values in their environment, then the merge job, against the local registry
and the real dockerd + QEMU. ``uses:`` steps stand in for the host set-up already done
here, except upload/download-artifact, which carry the stage records through a folder as
GitHub would, and actions/checkout, which copies this repository into a fresh git
repository (a commit of a known time, or a base and a change for a pull request).

What this machine supplies instead of GitHub: the fixture family (BAKE_CONFIG), the event
and the ``github`` context of a fork whose owner is mixed-case. REGISTRY is NOT injected:
the plan job resolves it (``ghcr.io/<owner, lower-cased>``), and the test checks that;
only then does it point the later jobs at the local registry, by swapping the host in the
plan's outputs (``ghcr.io/<owner>`` → ``127.0.0.1:5000/<owner>``), as GitHub would hand
those outputs on. The lint job runs as on a fresh runner: a new virtual environment from
the lock, and on PATH only a runner image's programs and what the workflow installs.
There is no GitHub OIDC token here either: a key pair of the test's own stands in for
keyless signing (BAKE_SIGN=key:…, the same code path with other cosign flags).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import workflow
from tests.ci import require_tool
from tests.localregistry import (
    REGISTRY,
    get,
    get_json,
    platform_of,
    remove_images,
    remove_local_images,
    tags_of,
)

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "images.yml"
SHA = "c0ffee0123456789abcdef0123456789abcdef01"
COMMIT_TIME = "2026-11-28T09:00:00+00:00"
TOKEN = "rehearsal-token"  # secrets.GITHUB_TOKEN, as the rehearsal gives it
IGNORE = shutil.ignore_patterns(
    ".git", ".nox", ".hypothesis", "*_cache", "__pycache__", "artifacts", "*.tar"
)
Change = Callable[[Path], None]  # edits a checkout (a pull request's change, a fault)


@pytest.fixture
def owner() -> Iterator[str]:
    """A fork owner of this test's own, mixed-case as GitHub allows; its lower-cased name
    is the registry namespace. Local images under it are removed after."""
    name = f"Fork-T-CI-{uuid.uuid4().hex[:10]}"
    yield name
    namespace = name.lower()
    remove_local_images(namespace)
    # A pull request's test-only images keep the ghcr.io names.
    remove_images(lambda ref: ref.startswith(f"ghcr.io/{namespace}/"))


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_COMMITTER_DATE": COMMIT_TIME, "GIT_AUTHOR_DATE": COMMIT_TIME}
    ident = ["-c", "user.name=rehearsal", "-c", "user.email=rehearsal@example.invalid"]
    subprocess.run(["git", *ident, *args], cwd=repo, env=env, check=True, capture_output=True)


def _checkout(workspace: Path, change: Change | None) -> None:
    """actions/checkout: this repository as one commit, or a base and a change."""
    shutil.copytree(REPO, workspace, ignore=IGNORE)
    _git(workspace, "init", "-q")
    _git(workspace, "add", "-A")
    _git(workspace, "commit", "-q", "-m", "base")
    if change is not None:
        change(workspace)
        _git(workspace, "commit", "-q", "-a", "-m", "the pull request's change")


def _github(event: str, ref: str, owner: str, attempt: int) -> dict[str, Any]:
    return {
        "event_name": event,
        "ref": ref,
        "ref_name": ref.rsplit("/", 1)[-1],
        "sha": SHA,
        "workflow": "images",
        "actor": "rehearsal",
        "repository_owner": owner,
        "repository": f"{owner}/neko-images",
        "server_url": "https://github.com",
        "run_attempt": str(attempt),
        "event": {"pull_request": {"number": 7}} if event == "pull_request" else {},
    }


def _local(needs: dict[str, Any]) -> dict[str, Any]:
    """The plan's outputs as the later jobs get them, with ghcr.io swapped for the local
    registry (the namespace, the lower-cased owner, stays)."""
    plan = needs.get("plan")
    if not plan or "registry" not in plan.get("outputs", {}):
        return needs
    outputs = dict(plan["outputs"])
    assert outputs["registry"].startswith("ghcr.io/"), outputs["registry"]
    outputs["registry"] = REGISTRY + outputs["registry"].removeprefix("ghcr.io")
    outputs["registry-host"] = REGISTRY
    return {**needs, "plan": {**plan, "outputs": outputs}}


def _rehearse(
    tmp_path: Path,
    family: str,
    owner: str,
    event: str,
    ref: str,
    *,
    change: Change | None = None,
    fault: Callable[[dict[str, Any]], Change | None] = lambda matrix: None,
    attempt: int = 1,
    previous: workflow.Rehearsal | None = None,
) -> workflow.Rehearsal:
    """One run of the workflow (or, with ``previous``, its re-run of the failed jobs as
    attempt ``attempt``). ``fault(matrix)`` may break one build job's checkout."""
    github = _github(event, ref, owner, attempt)
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir(exist_ok=True)
    require_tool("cosign")
    keys = tmp_path / "keys"  # GitHub's keyless signing, played by a key pair of our own
    signing_env = {"COSIGN_PASSWORD": "rehearsal"}
    if not keys.exists():  # a re-run signs with the first attempt's key
        keys.mkdir()
        subprocess.run(
            ["cosign", "generate-key-pair"],
            cwd=keys,
            env={**os.environ, **signing_env},
            check=True,
            capture_output=True,
        )
    count = iter(range(1000))
    run = tmp_path / f"attempt-{attempt}"

    def make_context(job: str, needs: dict[str, Any], matrix: dict[str, Any]) -> workflow.Context:
        workspace = run / f"{next(count):02d}-{job}-{matrix.get('id', '')}" / "repo"
        if job != "probe":
            _checkout(workspace, change)
            broken = fault(matrix) if job == "build" else None
            if broken is not None:
                broken(workspace)
        return workflow.Context(
            github=github,
            workspace=workspace,
            artifacts=artifacts,
            base_env=workflow.host_env(),
            overrides={
                "BAKE_CONFIG": str(workspace / "tests" / "fixtures" / family / "family.yaml"),
                "BAKE_SIGN": f"key:{keys / 'cosign.key'}",
                **signing_env,
            },
            needs=_local(needs),
            matrix=matrix,
        )

    return workflow.rehearse(workflow.load(WORKFLOW), make_context, previous)


def _plan_resolved_the_fork_default(run: workflow.Rehearsal, owner: str) -> None:
    assert run.plan.result == "success", run.plan.log
    outputs = run.plan.outputs
    assert outputs["registry"] == f"ghcr.io/{owner.lower()}"
    assert outputs["source"] == f"https://github.com/{owner}/neko-images"
    assert outputs["created"] == COMMIT_TIME
    plan = json.loads(outputs["plan"])
    assert plan["variables"]["REGISTRY"] == f"ghcr.io/{owner.lower()}"
    assert plan["variables"]["SOURCE"] == f"https://github.com/{owner}/neko-images"


def _labels(repository: str, digest: str) -> dict[str, str]:
    manifest = get_json(f"{repository}/manifests/{digest}")
    config = get_json(f"{repository}/blobs/{manifest['config']['digest']}")
    labels: dict[str, str] = config["config"]["Labels"]
    return labels


def test_rehearsal_of_a_release_publishes_verified_indexes(tmp_path: Path, owner: str) -> None:
    """A fork's first tag push: nothing injected, REGISTRY comes from the github context."""
    start = time.monotonic()
    run = _rehearse(tmp_path, "tiny", owner, "push", "refs/tags/v1.2.3")
    _plan_resolved_the_fork_default(run, owner)
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
    assert sorted(p.name for p in (tmp_path / "artifacts").iterdir()) == [
        "digests-linux-amd64-attempt-1",
        "digests-linux-arm-v7-attempt-1",
        "digests-linux-arm64-attempt-1",
    ]
    expected_platforms = {
        "base": ["linux/amd64", "linux/arm64", "linux/arm/v7"],
        "hello": ["linux/amd64", "linux/arm64", "linux/arm/v7"],
        "turbo-hello": ["linux/amd64", "linux/arm64"],
    }
    plan = json.loads(run.plan.outputs["plan"])
    planned = {image["name"]: image for image in plan["images"]}
    tags = ["1", "1.2", "1.2.3", "latest", "sha-c0ffee0"]
    namespace = owner.lower()
    for image, platforms in expected_platforms.items():
        repository = f"{namespace}/{image}"
        assert sorted(planned[image]["tags"]) == sorted(f"ghcr.io/{repository}:{t}" for t in tags)
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
        labels = _labels(repository, images["linux/amd64"])
        assert labels["org.opencontainers.image.source"] == (
            f"https://github.com/{owner}/neko-images"
        )
        assert labels["org.opencontainers.image.created"] == COMMIT_TIME
        assert labels["org.opencontainers.image.version"] == "1.2.3"
    print(f"rehearsal (release) took {time.monotonic() - start:.0f}s")


def _fail_hello_on_armhf(matrix: dict[str, Any]) -> Change | None:
    """Attempt 1's arm/v7 job sees a smoke test that fails (a flaky runner, say)."""
    if matrix.get("platform") != "linux/arm/v7":
        return None

    def change(workspace: Path) -> None:
        family = workspace / "tests" / "fixtures" / "tiny" / "family.yaml"
        text = family.read_text()
        assert "expect: hello from (amd64|arm64|armhf)" in text
        family.write_text(text.replace("hello from (amd64|arm64|armhf)", "hello from (nowhere)"))

    return change


def test_rehearsal_of_a_rerun_of_the_failed_jobs_converges(tmp_path: Path, owner: str) -> None:
    """Attempt 1 fails on arm/v7 and tags nothing; "Re-run failed jobs" (attempt 2) runs
    only that build and the merge, uploads its records beside attempt 1's, and the merge
    reads the latest attempt of each image × platform and tags everything."""
    start = time.monotonic()
    first = _rehearse(
        tmp_path, "tiny", owner, "push", "refs/heads/main", fault=_fail_hello_on_armhf
    )
    results = {m["platform"]: b.result for m, b in zip(first.matrix, first.builds, strict=True)}
    assert results == {
        "linux/amd64": "success",
        "linux/arm64": "success",
        "linux/arm/v7": "failure",
    }, first.log[-4000:]
    assert first.merge is not None and first.merge.result == "failure"
    assert "hello on linux/arm/v7: failed" in first.merge.log
    namespace = owner.lower()
    for image in ("base", "hello", "turbo-hello"):
        assert tags_of(f"{namespace}/{image}") == []

    second = _rehearse(
        tmp_path, "tiny", owner, "push", "refs/heads/main", attempt=2, previous=first
    )
    assert second.plan is first.plan  # not re-run: its outputs carry over
    assert [b is a for a, b in zip(first.builds, second.builds, strict=True)] == [
        True,
        True,
        False,
    ]
    assert second.builds[2].result == "success", second.builds[2].log[-4000:]
    assert second.merge is not None and second.merge.result == "success", second.merge.log
    artifacts = sorted(p.name for p in (tmp_path / "artifacts").iterdir())
    assert "digests-linux-arm-v7-attempt-1" in artifacts
    assert "digests-linux-arm-v7-attempt-2" in artifacts
    failed = tmp_path / "artifacts" / "digests-linux-arm-v7-attempt-1" / "hello@linux-arm-v7.json"
    assert json.loads(failed.read_text())["status"] == "failed"  # still there, not counted
    for image in ("base", "hello", "turbo-hello"):
        held = tags_of(f"{namespace}/{image}")  # and the signature's sha256-….sig/.att
        assert [t for t in held if not t.startswith("sha256-")] == ["edge", "sha-c0ffee0"]
    print(f"rehearsal (re-run) took {time.monotonic() - start:.0f}s")


def test_rehearsal_of_a_failing_platform_tags_nothing(tmp_path: Path, owner: str) -> None:
    start = time.monotonic()
    run = _rehearse(tmp_path, "broken", owner, "push", "refs/heads/main")
    _plan_resolved_the_fork_default(run, owner)
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
        assert tags_of(f"{owner.lower()}/{image}") == []
    print(f"rehearsal (failing platform) took {time.monotonic() - start:.0f}s")


def _change_turbo(workspace: Path) -> None:
    """A pull request that changes the accelerator only (amd64 and arm64)."""
    conf = workspace / "tests" / "fixtures" / "tiny" / "dockerfiles" / "accelerators" / "turbo"
    (conf / "turbo.conf").write_text((conf / "turbo.conf").read_text() + "# tuned\n")


def test_rehearsal_of_a_pull_request_tests_what_changed_and_pushes_nothing(
    tmp_path: Path, owner: str
) -> None:
    start = time.monotonic()
    run = _rehearse(
        tmp_path, "tiny", owner, "pull_request", "refs/pull/7/merge", change=_change_turbo
    )
    assert run.plan.result == "success", run.plan.log
    assert [(m["platform"], m["targets"]) for m in run.matrix] == [
        ("linux/amd64", ["turbo-hello"]),
        ("linux/arm64", ["turbo-hello"]),
    ]
    for build in run.builds:
        assert build.result == "success", build.log[-4000:]
        assert "$ Build and smoke-test (pull request; nothing is pushed)" in build.log
        assert "upload: " not in build.log and "stage: wrote" not in build.log
    assert run.merge is None  # merge never runs for a pull request
    every_env = [env for job in (run.plan, *run.builds) for env in job.envs]
    assert every_env and not any(TOKEN in value for env in every_env for value in env.values())
    assert not list((tmp_path / "artifacts").iterdir())  # no records handed on
    for image in ("base", "hello", "turbo-hello"):
        assert tags_of(f"{owner.lower()}/{image}") == []
    print(f"rehearsal (pull request) took {time.monotonic() - start:.0f}s")


def test_rehearsal_of_the_lint_job_on_a_fresh_runner(tmp_path: Path) -> None:
    """The lint job's steps in a new virtual environment from the lock, on a PATH with
    only a runner image's programs and what the workflow installs (graphviz by apt)."""
    start = time.monotonic()
    tools = workflow.runner_tools(tmp_path / "runner-bin")
    assert not (tools / "dot").exists() and not (tools / "hadolint").exists()
    workspace = tmp_path / "lint" / "repo"
    _checkout(workspace, None)
    github = _github("push", "refs/heads/main", "Fork", 1)
    base = {k: v for k, v in workflow.host_env().items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    ctx = workflow.Context(
        github=github,
        workspace=workspace,
        artifacts=tmp_path / "artifacts",
        base_env=base,
        runner_path=tools,
    )
    result = workflow.run_job(workflow.load(WORKFLOW), "lint", ctx)
    assert result.result == "success", result.log[-6000:]
    assert (tools / "dot").is_symlink()  # the workflow installed graphviz
    python = tmp_path / "lint" / "python" / "bin"
    assert all(env["PATH"].split(":")[0] in (str(tools), str(python)) for env in result.envs)
    assert " passed" in result.log  # the unit tests ran
    print(f"rehearsal (lint job) took {time.monotonic() - start:.0f}s")
