"""The CI plan (bake.ci.plan) and the family's ``ci:`` runner section (bake.model.runners)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bake.ci.plan import make_ci_plan
from bake.front import cli
from bake.model import platforms
from bake.model.family import load_family
from bake.model.naming import Variables
from bake.model.platforms import slug as platform_slug
from bake.model.runners import DEFAULT_RUNNERS, Runner
from tests.families import write_family

REPO = Path(__file__).resolve().parents[3]
TINY = REPO / "tests" / "fixtures" / "tiny" / "family.yaml"

FAMILY = """\
registry: ghcr.io/example/neko
platforms: [linux/amd64, linux/arm64, linux/arm/v7]
base:
  description: the base
apps:
  firefox:
    description: Firefox
    aliases: [arm-firefox]
  vlc:
    description: VLC
    platforms: [linux/amd64]
accelerators:
  nvidia:
    description: NVIDIA
    platforms: [linux/amd64, linux/arm64]
"""


def write(tmp_path: Path, text: str) -> Path:
    return write_family(tmp_path, text)  # with stub Dockerfiles: they must exist


def plan_json(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert cli.main(["--config", str(path), "plan", *args, "--json"]) == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def test_one_job_per_platform_with_default_runners(tmp_path: Path) -> None:
    family = load_family(write(tmp_path, FAMILY))
    variables = Variables(REGISTRY="ghcr.io/x", TAG="edge", SHA="0123456789abcdef")
    plan = make_ci_plan(family, "all", family.select("all"), variables)
    jobs = {job.platform: job for job in plan.jobs}
    assert list(jobs) == ["linux/amd64", "linux/arm64", "linux/arm/v7"]
    assert (jobs["linux/amd64"].runner, jobs["linux/amd64"].qemu) == ("ubuntu-24.04", False)
    assert (jobs["linux/arm64"].runner, jobs["linux/arm64"].qemu) == ("ubuntu-24.04-arm", False)
    assert (jobs["linux/arm/v7"].runner, jobs["linux/arm/v7"].qemu) == ("ubuntu-24.04-arm", True)
    assert jobs["linux/amd64"].targets == (
        "base",
        "firefox",
        "vlc",
        "nvidia-firefox",
        "nvidia-vlc",
    )
    assert jobs["linux/arm64"].targets == ("base", "firefox", "nvidia-firefox")
    assert jobs["linux/arm/v7"].targets == ("base", "firefox")
    assert {job.selection for job in plan.jobs} == {"all"}
    assert [job.id for job in plan.jobs] == [
        "linux-amd64",
        "linux-arm64",
        "linux-arm-v7",
    ]
    firefox = next(image for image in plan.images if image.name == "firefox")
    assert firefox.platforms == ("linux/amd64", "linux/arm64", "linux/arm/v7")
    assert firefox.records[2] == "firefox@linux-arm-v7.json"
    assert firefox.tags == (
        "ghcr.io/x/firefox:edge",
        "ghcr.io/x/firefox:sha-0123456",
        "ghcr.io/x/arm-firefox:edge",
        "ghcr.io/x/arm-firefox:sha-0123456",
    )


def test_a_selection_plans_only_its_platforms(tmp_path: Path) -> None:
    family = load_family(write(tmp_path, FAMILY))
    plan = make_ci_plan(family, "vlc", family.select("vlc"), Variables.defaults(family.config))
    assert [(job.platform, job.targets) for job in plan.jobs] == [("linux/amd64", ("vlc",))]
    assert [image.name for image in plan.images] == ["vlc"]


def test_per_image_gives_one_job_per_image_and_platform(tmp_path: Path) -> None:
    family = load_family(write(tmp_path, FAMILY))
    images = family.select("nvidia")
    plan = make_ci_plan(family, "nvidia", images, Variables.defaults(family.config), True)
    assert [(job.id, job.selection, job.targets) for job in plan.jobs] == [
        ("linux-amd64-nvidia-firefox", "nvidia-firefox", ("nvidia-firefox",)),
        ("linux-amd64-nvidia-vlc", "nvidia-vlc", ("nvidia-vlc",)),
        ("linux-arm64-nvidia-firefox", "nvidia-firefox", ("nvidia-firefox",)),
    ]
    # The matrix never lists a job twice, so artifact names and cache scopes are unique.
    assert len({job.id for job in plan.jobs}) == len(plan.jobs)


def test_runners_come_from_the_family_file(tmp_path: Path) -> None:
    text = FAMILY + textwrap.dedent(
        """\
        ci:
          runners:
            linux/arm64: self-hosted-arm
            linux/arm/v7: {runner: self-hosted-arm, emulated: false}
            linux/amd64: {runner: big-x86, emulated: true}
        """
    )
    family = load_family(write(tmp_path, text))
    plan = make_ci_plan(family, "all", family.select("all"), Variables.defaults(family.config))
    got = {job.platform: (job.runner, job.qemu) for job in plan.jobs}
    assert got == {
        "linux/amd64": ("big-x86", True),
        "linux/arm64": ("self-hosted-arm", False),
        "linux/arm/v7": ("self-hosted-arm", False),
    }


def test_default_runner_table() -> None:
    """The runner columns of the one platform table (bake.model.platforms)."""
    assert set(DEFAULT_RUNNERS) == set(platforms.names())
    assert DEFAULT_RUNNERS["linux/amd64"] == Runner("ubuntu-24.04")
    assert DEFAULT_RUNNERS["linux/arm64"] == Runner("ubuntu-24.04-arm")
    assert DEFAULT_RUNNERS["linux/arm/v7"] == Runner("ubuntu-24.04-arm", emulated=True)


def test_names() -> None:
    assert platform_slug("linux/arm/v7") == "linux-arm-v7"


def test_plan_json_follows_the_variables(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY", "127.0.0.1:5000/t")
    monkeypatch.setenv("TAG", "latest")
    monkeypatch.setenv("VERSION", "v1.2.3")
    monkeypatch.setenv("SHA", "abcdef0123")
    plan = plan_json(TINY, capsys)
    matrix = plan["matrix"]
    assert isinstance(matrix, dict)
    assert [job["platform"] for job in matrix["include"]] == [
        "linux/amd64",
        "linux/arm64",
        "linux/arm/v7",
    ]
    images = {image["name"]: image for image in plan["images"]}  # type: ignore[attr-defined]
    assert images["turbo-hello"]["platforms"] == ["linux/amd64", "linux/arm64"]
    assert images["hello"]["tags"] == [
        f"127.0.0.1:5000/t/hello:{tag}" for tag in ("latest", "1.2.3", "1.2", "1", "sha-abcdef0")
    ]


def test_plan_default_means_all(capsys: pytest.CaptureFixture[str]) -> None:
    assert plan_json(TINY, capsys, "default")["selection"] == "all"


def test_plan_compact_is_one_line_for_github_output() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bake",
            "--config",
            str(TINY),
            "plan",
            "hello",
            "--json",
            "--compact",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    assert proc.stdout.count("\n") == 1
    assert json.loads(proc.stdout)["matrix"]["include"][2]["qemu"] is True


def test_plan_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--config", str(TINY), "plan", "turbo-hello"]) == 0
    out = capsys.readouterr().out
    assert "build linux-arm64: linux/arm64 on ubuntu-24.04-arm: turbo-hello" in out
    assert "linux-arm-v7" not in out


BAD_CI = {
    "unknown platform with hint": (
        "ci:\n  runners:\n    linux/arm/v8: x\n",
        "family.yaml:18: error at ci.runners.linux/arm/v8: unknown key 'linux/arm/v8'; "
        "did you mean 'linux/arm/v7'?",
    ),
    "unknown ci key": (
        "ci:\n  runner: {}\n",
        "family.yaml:17: error at ci.runner: unknown key 'runner'; did you mean 'runners'?",
    ),
    "misspelt runner key": (
        "ci:\n  runners:\n    linux/arm64: {runer: x}\n",
        "family.yaml:18: error at ci.runners.linux/arm64.runer: unknown key 'runer'; "
        "did you mean 'runner'?",
    ),
    "missing runner": (
        "ci:\n  runners:\n    linux/arm64: {emulated: true}\n",
        "family.yaml:18: error at ci.runners.linux/arm64: missing key 'runner'",
    ),
    "emulated not a boolean": (
        "ci:\n  runners:\n    linux/arm64: {runner: x, emulated: 'yes'}\n",
        "family.yaml:18: error at ci.runners.linux/arm64.emulated: expected true or false",
    ),
    "label with a space": (
        "ci:\n  runners:\n    linux/arm64: 'ubuntu 24.04'\n",
        "family.yaml:18: error at ci.runners.linux/arm64: expected a runner label without spaces",
    ),
    "runners not a mapping": (
        "ci:\n  runners: [ubuntu-24.04]\n",
        "family.yaml:17: error at ci.runners: expected a mapping, got a list",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CI))
def test_bad_ci_section_is_one_line_exit_2(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, expected = BAD_CI[case]
    path = write(tmp_path, FAMILY + text)
    assert cli.main(["--config", str(path), "plan"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert expected in err, err


def test_plan_of_an_unknown_selection_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["--config", str(TINY), "plan", "helo", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().endswith("no target or group named 'helo'; did you mean 'hello'?")
