"""The workflow file itself: what each trigger runs, permissions, pins, no expressions in
``run:``; and the small expression interpreter the rehearsal relies on (tests/workflow.py).
No Docker: the rehearsal test (test_workflow_rehearsal.py) runs the jobs for real."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

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


@pytest.mark.parametrize(
    ("event", "ref", "tag", "version"),
    [
        ("push", "refs/heads/main", "edge", ""),
        ("push", "refs/tags/v1.2.3", "latest", "v1.2.3"),
        ("pull_request", "refs/pull/7/merge", "edge", ""),
    ],
)
def test_tags_follow_the_trigger(
    flow: dict[str, Any], event: str, ref: str, tag: str, version: str
) -> None:
    env = {k: workflow.interpolate(v, contexts(event, ref)) for k, v in flow["env"].items()}
    assert (env["TAG"], env["VERSION"], env["SHA"], env["SELECTION"]) == (tag, version, SHA, "all")


def test_triggers(flow: dict[str, Any]) -> None:
    on = flow["on"]
    assert set(on) == {"pull_request", "push", "workflow_dispatch", "schedule"}
    assert on["push"] == {"branches": ["main"], "tags": ["v*"]}
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
    allowed = re.compile(r"^(nox |python -m (bake|pip) |args=|if |plan=|echo |\{ echo)")
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
