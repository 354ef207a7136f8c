"""The weekly lock workflow (.github/workflows/lock.yml): new packages run only in the
read-only job, the job that writes installs nothing, and the files it proposes are the
locks tests/lockfile.py checks; its pull-request step, rehearsed in bash against a local
origin with a recording gh, pushes and proposes a changed lock once and nothing else.
(`nox -s lint` runs actionlint and zizmor on it.)"""

from __future__ import annotations

import os
import re
import subprocess
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


GH = """\
#!/bin/sh
echo "gh $*" >> "$GH_LOG"
if [ "$1 $2" = "pr list" ]; then cat "$GH_OPEN"; fi
"""


def _rehearse_propose(tmp_path: Path, change: bool, open_pr: str = "") -> tuple[str, str]:
    """The propose step in bash -e, as GitHub runs it: a checkout of a repository whose
    origin is a local bare one, the downloaded locks over it, gh a recording stand-in."""
    origin, work, bin_dir = tmp_path / "origin.git", tmp_path / "work", tmp_path / "bin"
    git = ["git", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q", "--bare", str(origin)], check=True)
    subprocess.run([*git, "clone", "-q", str(origin), str(work)], check=True, capture_output=True)
    for name in lockfile.LOCKS:
        (work / name).write_text(f"{name} as locked\n")
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", *ident, "-C", str(work), "add", "-A"], check=True)
    subprocess.run(["git", *ident, "-C", str(work), "commit", "-qm", "x"], check=True)
    subprocess.run(["git", "-C", str(work), "push", "-q", "origin", "HEAD:main"], check=True)
    if change:
        (work / "requirements.txt").write_text("requirements.txt re-locked\n")
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(GH)
    (bin_dir / "gh").chmod(0o755)
    (tmp_path / "open").write_text(open_pr)
    flow = workflow.load(WORKFLOW)
    (step,) = [s for s in flow["jobs"]["propose"]["steps"] if "run" in s]
    env = {
        **os.environ,
        **flow["env"],
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "GH_TOKEN": "t",
        "BASE": "main",
        "GH_LOG": str(tmp_path / "gh.log"),
        "GH_OPEN": str(tmp_path / "open"),
        "HOME": str(tmp_path),  # the step's git config stays in this test
    }
    proc = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=work, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    log = (tmp_path / "gh.log").read_text() if (tmp_path / "gh.log").exists() else ""
    branch = subprocess.run(
        ["git", "-C", str(origin), "show", "lock/weekly:requirements.txt"],
        capture_output=True,
        text=True,
    )
    return log, branch.stdout


def test_a_changed_lock_is_pushed_and_proposed(tmp_path: Path) -> None:
    log, pushed = _rehearse_propose(tmp_path, change=True)
    assert pushed == "requirements.txt re-locked\n"
    assert log.splitlines()[0] == "gh auth setup-git"
    assert "gh pr create --base main --head lock/weekly" in log


def test_an_open_pull_request_is_updated_not_doubled(tmp_path: Path) -> None:
    log, pushed = _rehearse_propose(tmp_path, change=True, open_pr="7\n")
    assert pushed == "requirements.txt re-locked\n"
    assert "gh pr list --head lock/weekly" in log and "pr create" not in log


def test_a_current_lock_proposes_nothing(tmp_path: Path) -> None:
    log, pushed = _rehearse_propose(tmp_path, change=False)
    assert log == "" and pushed == ""
