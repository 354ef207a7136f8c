"""The workflow file itself: what each trigger runs, permissions, pins, no expressions in
``run:``; and the small expression interpreter the rehearsal relies on (tests/workflow.py).
No Docker: the rehearsal test (test_workflow_rehearsal.py) runs the jobs for real."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bake.model.naming import VARIABLES
from tests import workflow

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "images.yml"
SHA = "0123456789abcdef0123456789abcdef01234567"


def github(event: str, ref: str) -> dict[str, Any]:
    return {
        "event_name": event,
        "ref": ref,
        "ref_name": ref.rsplit("/", 1)[-1],
        "sha": SHA,
        "workflow": "images",
        "actor": "someone",
        "repository_owner": "Some-Fork",
        "repository": "Some-Fork/Neko-Images",
        "server_url": "https://github.com",
        "run_attempt": "1",
        "event": {"pull_request": {"number": 7}} if event == "pull_request" else {},
    }


def contexts(event: str, ref: str, **more: Any) -> dict[str, Any]:
    return {
        "github": github(event, ref),
        "inputs": {},
        "vars": {},
        "secrets": {},
        "needs": {},
        "matrix": {},
        "steps": {},
        "runner": {"os": "Linux", "environment": "github-hosted"},
        **more,
    }


@pytest.fixture(scope="module")
def flow() -> dict[str, Any]:
    return workflow.load(WORKFLOW)


def test_expressions() -> None:
    ctx = contexts("push", "refs/tags/v1.2.3", inputs={"selection": ""})
    assert workflow.evaluate("inputs.selection || 'all'", ctx) == "all"
    assert (
        workflow.evaluate("startsWith(github.ref, 'refs/tags/v') && 'latest' || 'edge'", ctx)
        == "latest"
    )
    assert workflow.evaluate("github.event_name != 'pull_request'", ctx) is True
    assert workflow.evaluate("!(github.event_name == 'PUSH')", ctx) is False
    assert workflow.evaluate("fromJSON('{\"a\": [1]}').a", ctx) == [1]
    assert workflow.interpolate("x-${{ github.ref_name }}-${{ true }}", ctx) == "x-v1.2.3-true"
    with pytest.raises(workflow.Unsupported):
        workflow.evaluate("hashFiles('x')", ctx)
    with pytest.raises(workflow.Unsupported):
        workflow.evaluate("nothing.here", ctx)


def test_an_if_without_a_status_function_also_needs_success() -> None:
    failed = {**contexts("push", "refs/heads/main"), "__status__": "failure"}
    assert not workflow.condition("github.event_name == 'push'", failed)
    assert workflow.condition("always() && github.event_name == 'push'", failed)
    assert workflow.condition("${{ !cancelled() }}", failed)


COMMIT_TIME = "2026-11-28T09:00:00+01:00"


def resolve(flow: dict[str, Any], tmp_path: Path, ctx: dict[str, Any]) -> dict[str, str]:
    """Run the plan job's "resolve" step as the runner would (in a checkout whose commit
    has a known time), with its env: block interpolated from ``ctx``; its outputs."""
    step = next(s for s in flow["jobs"]["plan"]["steps"] if s.get("id") == "run")
    repo = tmp_path / "repo"
    repo.mkdir()
    git = {**os.environ, "GIT_COMMITTER_DATE": COMMIT_TIME, "GIT_AUTHOR_DATE": COMMIT_TIME}
    for cmd in (
        ["init", "-q"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "c"],
    ):
        subprocess.run(["git", *cmd], cwd=repo, env=git, check=True)
    output = tmp_path / "output"
    env = {"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(output)}
    env |= workflow.step_env(step["env"], ctx)
    subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", step["run"]],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
    )
    return dict(line.split("=", 1) for line in output.read_text().splitlines())


@pytest.mark.parametrize(
    ("event", "ref", "tag", "version"),
    [
        ("push", "refs/heads/main", "edge", ""),
        ("push", "refs/tags/v1.2.3", "latest", "v1.2.3"),
        # A pre-release moves neither latest nor (bake's semver_tags) 1.3 and 1.
        ("push", "refs/tags/v1.3.0-rc.1", "", "v1.3.0-rc.1"),
        ("pull_request", "refs/pull/7/merge", "edge", ""),
    ],
)
def test_tags_follow_the_trigger(
    flow: dict[str, Any], tmp_path: Path, event: str, ref: str, tag: str, version: str
) -> None:
    out = resolve(flow, tmp_path, contexts(event, ref))
    assert (out["tag"], out["version"], out["refresh"]) == (tag, version, "false")
    for job in ("build", "merge", "refresh"):
        env = flow["jobs"][job]["env"]
        assert workflow.interpolate(env["SHA"], contexts(event, ref)) == SHA


def test_the_lint_job_sees_no_bake_variable(flow: dict[str, Any]) -> None:
    """Its unit tests read REGISTRY, TAG, SHA … from the environment: none may be set."""
    names = {v.name for v in VARIABLES} | {"SINCE", "SELECTION"}
    assert not names & set(flow["env"])
    assert "env" not in flow["jobs"]["lint"]


def test_a_fork_publishes_to_its_own_lower_cased_ghcr_namespace(
    flow: dict[str, Any], tmp_path: Path
) -> None:
    out = resolve(flow, tmp_path, contexts("push", "refs/heads/main"))
    assert out["registry"] == "ghcr.io/some-fork"
    assert out["registry-host"] == "ghcr.io"
    assert out["source"] == "https://github.com/Some-Fork/Neko-Images"
    assert out["created"] == COMMIT_TIME  # the commit's time, not the run's


def test_the_registry_variable_wins(flow: dict[str, Any], tmp_path: Path) -> None:
    ctx = contexts("push", "refs/heads/main", vars={"REGISTRY": "docker.io/Me,quay.io/me"})
    out = resolve(flow, tmp_path, ctx)
    assert (out["registry"], out["registry-host"]) == ("docker.io/Me,quay.io/me", "docker.io")


def test_the_schedule_and_the_refresh_input_run_the_refresh(
    flow: dict[str, Any], tmp_path: Path
) -> None:
    ctx = contexts("workflow_dispatch", "refs/heads/main", inputs={"refresh": True})
    assert resolve(flow, tmp_path, ctx)["refresh"] == "true"
    refresh = {"plan": {"result": "success", "outputs": {"refresh": "true", "plan": "{}"}}}
    jobs = flow["jobs"]
    assert workflow.condition(jobs["refresh"]["if"], {**ctx, "needs": refresh})
    assert not workflow.condition(jobs["build"]["if"], {**ctx, "needs": refresh})
    assert not workflow.condition(jobs["merge"]["if"], {**ctx, "needs": refresh})


def test_later_jobs_use_the_plans_canonical_selection(flow: dict[str, Any]) -> None:
    plan = flow["jobs"]["plan"]
    assert plan["outputs"]["selection"] == "${{ fromJSON(steps.plan.outputs.plan).selection }}"
    for job in ("merge", "refresh"):
        assert flow["jobs"][job]["env"]["SELECTION"] == "${{ needs.plan.outputs.selection }}"
    assert "SELECTION" not in flow["env"]
    names = ("REGISTRY", "SOURCE", "CREATED", "TAG", "VERSION")
    for job in ("build", "merge", "refresh"):
        env = flow["jobs"][job]["env"]
        assert {n: env[n] for n in names} == {
            n: f"${{{{ needs.plan.outputs.{n.lower()} }}}}" for n in names
        }


def test_one_concurrency_group_per_commit_for_pushes(flow: dict[str, Any]) -> None:
    group = flow["concurrency"]["group"]
    main = workflow.interpolate(group, contexts("push", "refs/heads/main"))
    tag = workflow.interpolate(group, contexts("push", "refs/tags/v1.2.3"))
    pr = workflow.interpolate(group, contexts("pull_request", "refs/pull/7/merge"))
    assert main == tag and pr != main
    cancel = flow["concurrency"]["cancel-in-progress"]
    assert workflow.interpolate(cancel, contexts("pull_request", "refs/pull/7/merge")) is True
    assert workflow.interpolate(cancel, contexts("push", "refs/heads/main")) is False


def test_records_are_uploaded_per_attempt_and_merged_each_in_its_folder(
    flow: dict[str, Any],
) -> None:
    upload = next(
        s for s in flow["jobs"]["build"]["steps"] if "upload-artifact" in s.get("uses", "")
    )
    ctx = contexts("push", "refs/heads/main", matrix={"id": "linux-arm64"})
    ctx["github"]["run_attempt"] = "2"
    assert workflow.interpolate(upload["with"]["name"], ctx) == "digests-linux-arm64-attempt-2"
    download = next(
        s for s in flow["jobs"]["merge"]["steps"] if "download-artifact" in s.get("uses", "")
    )
    assert "merge-multiple" not in download["with"]  # same file names, one folder each


def test_every_install_is_from_the_hash_lock(flow: dict[str, Any]) -> None:
    installs = [
        step["run"]
        for job in flow["jobs"].values()
        for step in job["steps"]
        if "pip install" in step.get("run", "")
    ]
    assert len(installs) == len(flow["jobs"])
    assert installs[0] == "python -m pip install --require-hashes -r requirements.txt"
    assert set(installs[1:]) == {
        "python -m pip install --require-hashes -r requirements-runtime.txt"
    }


def test_triggers(flow: dict[str, Any]) -> None:
    on = flow["on"]
    assert set(on) == {"pull_request", "push", "workflow_dispatch", "schedule"}
    semver = ["v[0-9]+.[0-9]+.[0-9]+", "v[0-9]+.[0-9]+.[0-9]+-*"]
    assert on["push"] == {"branches": ["main"], "tags": semver}
    assert "selection" in on["workflow_dispatch"]["inputs"]


def _steps_that_run(flow: dict[str, Any], job: str, ctx: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in flow["jobs"][job]["steps"] if workflow.condition(s.get("if"), ctx)]


def test_pull_requests_build_and_test_but_never_push(flow: dict[str, Any]) -> None:
    ctx = contexts("pull_request", "refs/pull/7/merge", matrix={"qemu": True})
    ran = _steps_that_run(flow, "build", ctx)
    runs = [s["run"] for s in ran if "run" in s]
    assert runs[-1].splitlines() == [
        'args=(--platform "$PLATFORM")',
        'if [ -n "$SINCE" ]; then args+=(--since "$SINCE"); fi',
        'nox -s "test-$JOB_SELECTION" -- "${args[@]}"',
    ]
    assert not any("stage" in r or "merge" in r or "push" in r for r in runs)
    used = [s["uses"].split("@")[0] for s in ran if "uses" in s]
    assert "docker/login-action" not in used and "actions/upload-artifact" not in used
    # No step that runs on a pull request sees a secret.
    assert not any("secrets." in json.dumps(s) for s in ran)
    needs = {"plan": {"result": "success"}, "build": {"result": "success"}}
    assert not workflow.condition(flow["jobs"]["merge"]["if"], {**ctx, "needs": needs})


def test_pushes_stage_every_platform_then_merge_even_after_a_failed_build(
    flow: dict[str, Any],
) -> None:
    ctx = contexts("push", "refs/heads/main", matrix={"qemu": False})
    runs = [s["run"] for s in _steps_that_run(flow, "build", ctx) if "run" in s]
    assert runs[-1] == 'nox -s "stage-$JOB_SELECTION" -- --platform "$PLATFORM" --digests digests'
    merge = flow["jobs"]["merge"]
    assert merge["needs"] == ["plan", "build"]
    failed = {"plan": {"result": "success"}, "build": {"result": "failure"}}
    # The merge itself reports what is missing (and tags nothing) when a build failed.
    assert workflow.condition(merge["if"], {**ctx, "needs": failed, "__status__": "failure"})
    assert merge["steps"][-1]["run"] == 'nox -s "merge-$SELECTION" -- --digests digests'


def test_least_privilege(flow: dict[str, Any]) -> None:
    assert flow["permissions"] == {}
    writers = {
        name for name, job in flow["jobs"].items() if job["permissions"].get("packages") == "write"
    }
    assert writers == {"build", "merge", "refresh"}
    assert all(job["permissions"].get("contents") == "read" for job in flow["jobs"].values())
    assert "cancel-in-progress" in flow["concurrency"] and flow["concurrency"]["group"]


def test_the_matrix_comes_from_the_plan(flow: dict[str, Any]) -> None:
    build = flow["jobs"]["build"]
    assert build["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.plan).matrix }}"
    assert build["runs-on"] == "${{ matrix.runner }}"
    assert flow["jobs"]["plan"]["outputs"]["plan"] == "${{ steps.plan.outputs.plan }}"


def test_actions_are_pinned_by_commit_and_runs_have_no_expressions() -> None:
    text = WORKFLOW.read_text()
    uses = re.findall(r"uses: (\S+)(.*)", text)
    assert uses
    for ref, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), ref
        assert re.fullmatch(r" # v\d+\.\d+\.\d+", comment), (ref, comment)
    for job in workflow.load(WORKFLOW)["jobs"].values():
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), step


def test_job_calls_only_nox_and_bake(flow: dict[str, Any]) -> None:
    """No build logic in YAML: every command is nox, python -m bake, or pip/echo glue."""
    glue = r"args=|if |plan=|echo |\{ echo|\{$|\}|fi$|registry=|tag=|refresh=|version=|df |sudo "
    allowed = re.compile(rf"^(nox |python -m (bake|pip) |{glue})")
    for job in flow["jobs"].values():
        for step in job["steps"]:
            for line in step.get("run", "").splitlines():
                assert allowed.match(line.strip()), line


def test_only_merge_may_mint_an_oidc_token_and_it_signs_keyless(flow: dict[str, Any]) -> None:
    minting = {n for n, job in flow["jobs"].items() if "id-token" in job["permissions"]}
    assert minting == {"merge"} and flow["jobs"]["merge"]["permissions"]["id-token"] == "write"
    steps = flow["jobs"]["merge"]["steps"]
    last = steps[-1]
    assert last["env"] == {"BAKE_SIGN": "${{ vars.BAKE_SIGN || 'keyless' }}"}
    assert workflow.evaluate("vars.BAKE_SIGN || 'keyless'", {"vars": {}}) == "keyless"
    assert any(str(s.get("uses", "")).startswith("sigstore/cosign-installer@") for s in steps)


def test_dependabot_updates_the_pinned_actions_and_the_lock_after_a_cooldown() -> None:
    config = yaml.safe_load((REPO / ".github" / "dependabot.yml").read_text())
    updates = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(updates) == {"github-actions", "pip"}
    for update in updates.values():
        assert update["directory"] == "/"
        assert update["cooldown"]["default-days"] >= 3
