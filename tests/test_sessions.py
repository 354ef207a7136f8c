"""bake.sessions: the catalogue (names, tags, descriptions), posargs, what an action runs,
and that nox itself reads the noxfile the same way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bake import lint, pipeline, run, sessions
from bake.errors import CommandError, HostError
from bake.family import load_family
from tests.ci import require_tool

ROOT = Path(__file__).resolve().parent.parent
FAMILY = ROOT / "family.yaml"
TINY = ROOT / "tests" / "fixtures" / "tiny" / "family.yaml"


@pytest.fixture(scope="module")
def catalogue() -> tuple[sessions.SessionSpec, ...]:
    return sessions.catalogue(FAMILY)


def test_every_target_and_group_gets_build_test_and_push(
    catalogue: tuple[sessions.SessionSpec, ...],
) -> None:
    family = load_family(FAMILY)
    names = [spec.name for spec in catalogue]
    selectable = [i.name for i in family.images] + [
        g.name for g in family.groups if g.name != "default"
    ]
    for name in selectable:
        for action in ("build", "test", "push", "stage", "merge", "refresh"):
            assert f"{action}-{name}" in names
    for expected in (
        "build-all",
        "test-all",
        "push-all",
        "build-nvidia",
        "build-firefox-all",
        "push-nvidia-firefox",
    ):
        assert expected in names
    assert "build-default" not in names
    assert names[-6:] == ["generate", "check", "lint", "tests", "bench", "setup-host"]
    assert len(names) == len(set(names)) == 6 * len(selectable) + 6


def test_descriptions_are_one_line_and_tags_name_action_tier_and_target(
    catalogue: tuple[sessions.SessionSpec, ...],
) -> None:
    specs = {spec.name: spec for spec in catalogue}
    for spec in catalogue:
        assert spec.description and "\n" not in spec.description
        assert len(spec.tags) == len(set(spec.tags))
    assert specs["build-nvidia-firefox"].tags == (
        "build",
        "image",
        "accelerator",
        "nvidia-firefox",
        "nvidia",
    )
    assert specs["build-nvidia-firefox"].description == (
        "Build nvidia-firefox (accelerator) for linux/amd64, linux/arm64 into the local image store"
    )
    assert specs["test-base"].tags == ("test", "image", "base")
    assert specs["push-firefox-all"].tags == ("push", "group", "firefox-all")
    assert specs["test-intel"].description == (
        f"Build, then smoke-test group intel ({len(load_family(sessions.config_path()).select('intel'))} images)"
        " under QEMU on linux/amd64"
    )
    assert specs["lint"].tags == ("lint", "ci")


@pytest.mark.parametrize(
    ("posargs", "variables", "rest"),
    [
        ([], {}, ()),
        (["--no-cache"], {}, ("--no-cache",)),
        (
            ["REGISTRY=127.0.0.1:5000/x", "TAG=a,b", "--no-cache"],
            {"REGISTRY": "127.0.0.1:5000/x", "TAG": "a,b"},
            ("--no-cache",),
        ),
        (
            ["VERSION=", "SHA=abc", "CREATED=2024-01-01T00:00:00Z"],
            {"VERSION": "", "SHA": "abc", "CREATED": "2024-01-01T00:00:00Z"},
            (),
        ),
        (
            ["--set=*.args.X=1", "OTHER=1", "registry=x"],
            {},
            ("--set=*.args.X=1", "OTHER=1", "registry=x"),
        ),
    ],
)
def test_split_posargs(
    posargs: list[str], variables: dict[str, str], rest: tuple[str, ...]
) -> None:
    assert sessions.split_posargs(posargs) == (variables, rest)


def test_config_path_follows_bake_config() -> None:
    assert sessions.config_path({}) == FAMILY
    assert sessions.config_path({"BAKE_CONFIG": str(TINY)}) == TINY


def test_a_pipeline_session_plans_with_its_posargs(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[pipeline.Plan] = []
    monkeypatch.setattr(pipeline, "test", seen.append)
    monkeypatch.setenv("BAKE_JOBS", "3")
    monkeypatch.setenv("TAG", "from-env")
    spec = sessions.by_name(sessions.catalogue(TINY), "test-turbo")
    spec.action(["REGISTRY=127.0.0.1:5000/x", "--no-cache"])
    (plan,) = seen
    assert [i.name for i in plan.images] == ["turbo-hello"]
    assert plan.variables.REGISTRY == "127.0.0.1:5000/x" and plan.variables.TAG == "from-env"
    assert plan.options.jobs == 3 and plan.options.buildx_args == ("--no-cache",)


def test_chores_run_their_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[tuple[list[str], Any]] = []
    monkeypatch.setattr(run, "run", lambda cmd, **kw: ran.append((list(cmd), kw.get("cwd"))))
    specs = sessions.catalogue(TINY)
    sessions.by_name(specs, "check").action([])
    sessions.by_name(specs, "tests").action(["-k", "host"])
    sessions.by_name(specs, "bench").action(["--quick"])
    sessions.by_name(specs, "setup-host").action([])
    assert ran == [
        ([sys.executable, "-m", "bake", "--config", str(TINY), "check"], ROOT),
        ([sys.executable, "-m", "pytest", "-k", "host"], ROOT),
        ([sys.executable, "benchmarks/bench.py", "--quick"], ROOT),
        (["bash", "scripts/setup-host.sh"], ROOT),
    ]


def _lint(monkeypatch: pytest.MonkeyPatch, check_code: int, check_stderr: str) -> list[list[str]]:
    ran: list[list[str]] = []

    def fake_run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
        ran.append(list(cmd))
        code = check_code if "--call" in cmd else 0
        return subprocess.CompletedProcess(cmd, code, "", check_stderr if "--call" in cmd else "")

    monkeypatch.setattr(run, "run", fake_run)
    monkeypatch.setattr(lint.generated, "write_files", lambda files: [])
    sessions.by_name(sessions.catalogue(TINY), "lint").action([])
    return ran


HADOLINT = [
    "hadolint",
    "dockerfiles/accelerators/turbo/Dockerfile",
    "dockerfiles/apps/hello/Dockerfile",
    "dockerfiles/base/Dockerfile",
]
PYTHON_LINT = [
    [sys.executable, "-m", "ruff", "check", "."],
    [sys.executable, "-m", "ruff", "format", "--check", "."],
    [sys.executable, "-m", "mypy"],
]
WORKFLOW_LINT = [
    ["actionlint", ".github/workflows/images.yml"],
    ["zizmor", "--offline", "--no-progress", ".github/workflows/images.yml"],
]
# Linked targets check against a stand-in parent until buildx resolves target: links.
BAKE_CHECK = [
    *("docker", "buildx", "bake", "-f", "docker-bake.hcl", "--call", "check", "all"),
    *("--set", "hello.contexts.base=docker-image://debian:bookworm-slim"),
    *("--set", "turbo-hello.contexts.app=docker-image://debian:bookworm-slim"),
]


def test_lint_runs_every_linter_then_the_bake_check_of_every_target(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _lint(monkeypatch, 0, "") == [HADOLINT, *PYTHON_LINT, *WORKFLOW_LINT, BAKE_CHECK]


def test_an_engine_that_cannot_lint_is_a_host_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(HostError, match="needs Docker Engine >= 27"):
        _lint(monkeypatch, 1, "ERROR: target base: unsupported request frontend.lint")


def test_lint_findings_fail_the_session(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CommandError, match="WARNING: JSONArgsRecommended"):
        _lint(monkeypatch, 1, "WARNING: JSONArgsRecommended")


def test_workflow_lint_skips_a_repository_without_workflows(tmp_path: Path) -> None:
    assert lint.workflow_commands(tmp_path) == []


def test_nox_lists_the_catalogue_as_json() -> None:
    require_tool("nox")
    env = {**os.environ, "BAKE_CONFIG": str(TINY)}
    proc = subprocess.run(
        ["nox", "-f", str(ROOT / "noxfile.py"), "-l", "--json", "-t", "build", "lint"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=ROOT,
    )
    listed = {item["name"]: item for item in json.loads(proc.stdout)}
    expected = {
        s.name: s for s in sessions.catalogue(TINY) if "build" in s.tags or "lint" in s.tags
    }
    assert set(listed) == set(expected)
    for name, item in listed.items():
        assert item["description"] == expected[name].description
        assert item["tags"] == list(expected[name].tags)
        assert item["python"] is False
