"""Just enough of GitHub Actions to rehearse .github/workflows/images.yml on this machine.

GitHub cannot run here, so the rehearsal test plays the workflow's jobs itself: it
evaluates the ``${{ … }}`` expressions the workflow uses (contexts, literals, ``!``,
``==``/``!=``, ``&&``/``||``, ``startsWith``, ``fromJSON``, ``cancelled``/``success``/
``always``), runs every ``run:`` step in its own ``bash -e`` process with the environment
GitHub would give it (workflow, job and step ``env:``, ``GITHUB_OUTPUT``,
``GITHUB_STEP_SUMMARY``), and treats ``uses:`` steps as stand-ins for the host set-up
this machine already has (Docker, QEMU, Python), except the two that carry data between
jobs: upload-artifact and download-artifact are emulated with a folder.

Anything the workflow uses that this module does not understand raises, so the rehearsal
cannot silently skip a step it misread.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

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


@dataclass
class JobResult:
    """How a job went: its outputs, per-step logs, and the result GitHub would record."""

    result: str  # success | failure | skipped
    outputs: dict[str, str] = field(default_factory=dict)
    log: str = ""
    summary: str = ""


def _contexts(
    workflow: dict[str, Any], ctx: Context, steps: dict[str, Any], status: str
) -> dict[str, Any]:
    return {
        "github": ctx.github,
        "inputs": ctx.inputs,
        "vars": {},
        "secrets": {"GITHUB_TOKEN": "rehearsal-token"},
        "needs": ctx.needs,
        "matrix": ctx.matrix,
        "steps": steps,
        "env": {},
        "runner": {"os": "Linux", "temp": str(ctx.workspace.parent)},
        "__status__": status,
    }


def _env(block: Any, contexts: Mapping[str, Any]) -> dict[str, str]:
    values = {}
    for key, value in (block or {}).items():
        result = interpolate(value, contexts)
        values[key] = ("true" if result else "false") if isinstance(result, bool) else str(result)
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
        if not given.get("merge-multiple"):
            raise Unsupported("download-artifact without merge-multiple")
        for folder in sorted(ctx.artifacts.glob(str(given["pattern"]))):
            shutil.copytree(folder, target, dirs_exist_ok=True)


def run_job(workflow: dict[str, Any], name: str, ctx: Context) -> JobResult:
    """Run one job's steps in order, as the runner would; the first failing step fails it
    (later steps run only if their ``if:`` asks for it, e.g. ``always()``)."""
    job = workflow["jobs"][name]
    output_file = ctx.workspace.parent / f"{name}-{ctx.matrix.get('id', 'job')}.output"
    summary_file = output_file.with_suffix(".summary.md")
    steps: dict[str, Any] = {}
    status = "success"
    log: list[str] = []
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
        log.append(f"$ {step.get('name', step['run'])}\n{proc.stdout}{proc.stderr}")
        if "id" in step:
            steps[step["id"]] = {"outputs": _parse_outputs(output_file)}
        if proc.returncode != 0:
            status = "failure"
            log.append(f"(exit code {proc.returncode})")
    contexts = _contexts(workflow, ctx, steps, status)
    outputs = {k: str(interpolate(v, contexts)) for k, v in (job.get("outputs") or {}).items()}
    summary = summary_file.read_text() if summary_file.exists() else ""
    return JobResult(status, outputs, "\n".join(log), summary)


def expand_matrix(matrix: Any) -> list[dict[str, Any]]:
    """The combinations of a matrix given as ``{"include": [...]}`` only (what bake plans)."""
    if not isinstance(matrix, dict) or set(matrix) != {"include"}:
        raise Unsupported(f"only include-only matrices are rehearsed, got {matrix!r}")
    return [dict(entry) for entry in matrix["include"]]


def host_env() -> dict[str, str]:
    """This machine's environment minus what GitHub or the workflow would set."""
    drop = ("GITHUB_", "ACTIONS_", "RUNNER_")
    bake = ("REGISTRY", "TAG", "VERSION", "SHA", "CREATED", "CACHE_REGISTRY", "BAKE_CONFIG")
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


def rehearse(workflow: dict[str, Any], make_context: Any) -> Rehearsal:
    """plan → every build matrix entry → merge, each job in a fresh workspace.

    ``make_context(job, needs, matrix)`` gives each job its Context (workspace etc.)."""
    plan = run_job(workflow, "plan", make_context("plan", {}, {}))
    needs = {"plan": {"result": plan.result, "outputs": plan.outputs}}
    build = workflow["jobs"]["build"]
    contexts = {"needs": needs, "github": make_context("probe", {}, {}).github, "inputs": {}}
    if not condition(build.get("if"), contexts):  # e.g. an empty plan: nothing affected
        matrix: list[dict[str, Any]] = []
        needs["build"] = {"result": "skipped"}
    else:
        matrix = expand_matrix(interpolate(build["strategy"]["matrix"], contexts))
    builds = [run_job(workflow, "build", make_context("build", needs, entry)) for entry in matrix]
    results = [b.result for b in builds]
    if matrix:
        needs["build"] = {"result": "success" if set(results) == {"success"} else "failure"}
    merge_job = workflow["jobs"]["merge"]
    ctx = make_context("merge", {k: needs[k] for k in merge_job["needs"]}, {})
    status = _job_status(ctx.needs)
    contexts = _contexts(workflow, ctx, {}, status)
    merge = run_job(workflow, "merge", ctx) if condition(merge_job.get("if"), contexts) else None
    return Rehearsal(plan, matrix, builds, merge)
