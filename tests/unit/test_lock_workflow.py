"""The weekly lock workflow (.github/workflows/lock.yml): new packages run only in the
read-only job, the job that writes installs nothing, and the files it proposes are the
locks tests/lockfile.py checks. (`nox -s lint` runs actionlint and zizmor on it.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests import lockfile, workflow

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "lock.yml"


@pytest.fixture(scope="module")
def flow() -> dict[str, Any]:
    return workflow.load(WORKFLOW)


def _runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def test_weekly_and_by_hand_only(flow: dict[str, Any]) -> None:
    assert set(flow["on"]) == {"schedule", "workflow_dispatch"}
    assert len(flow["on"]["schedule"]) == 1


def test_least_privilege(flow: dict[str, Any]) -> None:
    assert flow["permissions"] == {}
    relock, propose = flow["jobs"]["relock"], flow["jobs"]["propose"]
    assert relock["permissions"] == {"contents": "read"}
    assert propose["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert propose["needs"] == "relock"
    for job in (relock, propose):
        checkout = job["steps"][0]
        assert checkout["uses"].startswith("actions/checkout@")
        assert checkout["with"]["persist-credentials"] is False


def test_new_packages_run_only_in_the_read_only_job(flow: dict[str, Any]) -> None:
    relock = _runs(flow["jobs"]["relock"])
    assert relock[:3] == [
        "python -m pip install --require-hashes -r requirements.txt",
        "nox -s lock -- --upgrade",
        "python -m pip install --require-hashes -r requirements.txt",
    ]
    assert "nox -s check lint" in relock
    (propose,) = _runs(flow["jobs"]["propose"])
    commands = {line.split()[0] for line in propose.splitlines() if line.strip()}
    assert commands == {"if", "echo", "exit", "fi", "gh", "git", "--title", "--body"}, commands


def test_it_proposes_exactly_the_locks(flow: dict[str, Any]) -> None:
    upload = flow["jobs"]["relock"]["steps"][-1]
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["with"]["path"].split() == sorted(lockfile.LOCKS, reverse=True)
    (propose,) = _runs(flow["jobs"]["propose"])
    for name in lockfile.LOCKS:
        assert propose.count(name) == 2, name  # in the diff and in the commit
    assert 'git push --force origin "HEAD:refs/heads/$BRANCH"' in propose
    assert "gh pr create" in propose and "gh pr list --head" in propose


def test_actions_are_pinned_by_commit_and_runs_have_no_expressions() -> None:
    text = WORKFLOW.read_text()
    uses = re.findall(r"uses: (\S+)(.*)", text)
    assert len(uses) == 5
    for ref, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), ref
        assert re.fullmatch(r" # v\d+\.\d+\.\d+", comment), (ref, comment)
    for job in workflow.load(WORKFLOW)["jobs"].values():
        for run in _runs(job):
            assert "${{" not in run, run
