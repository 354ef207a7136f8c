"""bake.front.sessions: the catalogue (names, tags, descriptions), posargs, what an action runs,
and that nox itself reads the noxfile the same way."""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bake.build import pipeline
from bake.core.docker import Docker
from bake.core.errors import CommandError, HostError
from bake.front import actions, cli, lint, sessions, verbs
from bake.model.family import load_family
from bake.publish.registries import Registries
from tests.ci import require_tool

ROOT = Path(__file__).resolve().parents[3]
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
    assert names[-3:] == ["generate", "check", "lint"]  # the repo's chores are its noxfile's
    assert len(names) == len(set(names)) == len(actions.ACTIONS) * len(selectable) + 3


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
    assert sessions.config_path({}, start=ROOT / "bake") == FAMILY  # the nearest, upwards
    assert sessions.config_path({}, start=TINY.parent / "dockerfiles") == TINY
    assert sessions.config_path({"BAKE_CONFIG": str(TINY)}) == TINY


def test_cli_verbs_and_sessions_share_one_path() -> None:
    """`python -m bake test X ARGS` and `nox -s test-X -- ARGS` make the same call."""
    calls: list[tuple[Any, ...]] = []

    families: list[Any] = []

    def record(*a: Any, family: Any = None, **seams: Any) -> None:
        calls.append(a)
        families.append(family)

    args = ["REGISTRY=127.0.0.1:5000/x", "--no-cache"]
    specs = sessions.catalogue(TINY, seams=sessions.Seams(run_action=record))
    sessions.by_name(specs, "test-turbo").action(args)
    assert cli.main(["--config", str(TINY), "test", "turbo", *args], run_action=record) == 0
    assert cli.main(["--config", str(TINY), "test", "turbo", "--", *args], run_action=record) == 0
    session_call, cli_call, dashed_call = calls
    assert session_call == cli_call and session_call[:4] == ("test", TINY, "turbo", args)
    assert actions.split_posargs(dashed_call[3]) == actions.split_posargs(args)
    # the session hands down the family it was listed from: family.yaml is read once
    assert families[0] is not None and Path(families[0].config.file) == TINY.resolve()


def test_a_pipeline_session_plans_with_its_posargs(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[pipeline.Plan] = []
    table = tuple(
        dataclasses.replace(v, run=lambda r: seen.append(r.plan)) if v.name == "test" else v
        for v in verbs.VERBS
    )
    monkeypatch.setenv("BAKE_JOBS", "3")
    monkeypatch.setenv("TAG", "from-env")
    docker, registries = Docker(which=lambda name: None), Registries(check=lambda name: None)
    seams = sessions.Seams(
        run_action=functools.partial(actions.run_action, verbs=table),
        docker=docker,
        registries=registries,
    )
    spec = sessions.by_name(sessions.catalogue(TINY, seams=seams), "test-turbo")
    spec.action(["REGISTRY=127.0.0.1:5000/x", "--no-cache"])
    (plan,) = seen
    assert plan.docker is docker and plan.registries is registries  # the run acts through them
    assert [i.name for i in plan.images] == ["turbo-hello"]
    assert plan.variables.REGISTRY == "127.0.0.1:5000/x" and plan.variables.TAG == "from-env"
    assert plan.options.jobs == 3 and plan.options.buildx_args == ("--no-cache",)


def test_chores_run_their_commands() -> None:
    ran: list[tuple[list[str], Any]] = []
    seams = sessions.Seams(run=lambda cmd, **kw: ran.append((list(cmd), kw.get("cwd"))))
    specs = sessions.catalogue(TINY, seams=seams)
    sessions.by_name(specs, "check").action([])
    sessions.by_name(specs, "generate").action([])
    assert ran == [
        ([sys.executable, "-m", "bake", "--config", str(TINY), "check"], TINY.parent),
        ([sys.executable, "-m", "bake", "--config", str(TINY), "generate"], TINY.parent),
    ]


def _lint(check_code: int, check_stderr: str) -> list[list[str]]:
    ran: list[list[str]] = []

    def fake_run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
        ran.append(list(cmd))
        code = check_code if "--call" in cmd else 0
        return subprocess.CompletedProcess(cmd, code, "", check_stderr if "--call" in cmd else "")

    seams = sessions.Seams(run=fake_run, write_files=lambda files: [])
    extra = [HADOLINT, *PYTHON_LINT, *WORKFLOW_LINT]  # as this repository's noxfile passes them
    sessions.by_name(sessions.catalogue(TINY, lint=extra, seams=seams), "lint").action([])
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
WORKFLOWS = (
    ".github/workflows/images.yml",
    ".github/workflows/lock.yml",
    ".github/workflows/prune.yml",
)
WORKFLOW_LINT = [
    ["actionlint", *WORKFLOWS],
    [
        *("zizmor", "--offline", "--no-progress", "--persona", "auditor"),
        *(*WORKFLOWS, ".github/dependabot.yml"),
    ],
]
# Linked targets check against a stand-in parent until buildx resolves target: links.
BAKE_CHECK = [
    *("docker", "buildx", "bake", "-f", "docker-bake.hcl", "--call", "check", "all"),
    *("--set", "hello.contexts.base=docker-image://debian:bookworm-slim"),
    *("--set", "turbo-hello.contexts.app=docker-image://debian:bookworm-slim"),
]


def test_lint_runs_the_extra_commands_then_the_bake_check_of_every_target() -> None:
    assert _lint(0, "") == [HADOLINT, *PYTHON_LINT, *WORKFLOW_LINT, BAKE_CHECK]
    description = sessions.by_name(sessions.catalogue(TINY, lint=[HADOLINT]), "lint").description
    assert description.startswith("hadolint, `docker buildx bake --call check all`")


def test_an_engine_that_cannot_lint_is_a_host_error() -> None:
    with pytest.raises(HostError, match="needs Docker Engine >= 27"):
        _lint(1, "ERROR: target base: unsupported request frontend.lint")


def test_lint_findings_fail_the_session() -> None:
    with pytest.raises(CommandError, match="WARNING: JSONArgsRecommended"):
        _lint(1, "WARNING: JSONArgsRecommended")


def test_workflow_lint_skips_a_repository_without_workflows(tmp_path: Path) -> None:
    assert lint.workflow_commands(tmp_path) == []


def test_workflow_lint_is_this_repositorys_workflows_and_dependabot() -> None:
    assert lint.workflow_commands(ROOT) == WORKFLOW_LINT


def test_nox_lists_the_catalogue_as_json() -> None:
    require_tool("nox")
    env = {**os.environ, "BAKE_CONFIG": str(TINY)}
    proc = subprocess.run(
        ["nox", "-f", str(ROOT / "noxfile.py"), "-l", "--json", "-t", "build", "ci", "setup"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=ROOT,
    )
    listed = {item["name"]: item for item in json.loads(proc.stdout)}
    expected = {s.name: s for s in sessions.catalogue(TINY) if {"build", "ci"} & set(s.tags)}
    # The family's sessions, then this repository's own chores from its noxfile.
    assert list(listed) == [*expected, "tests", "setup-host"]
    assert listed["lint"]["description"].startswith(
        "hadolint, shellcheck, ruff check, ruff format, mypy"
    )
    for name, item in listed.items():
        if name not in expected or name == "lint":
            continue
        assert item["description"] == expected[name].description
        assert item["tags"] == list(expected[name].tags)
        assert item["python"] is False
