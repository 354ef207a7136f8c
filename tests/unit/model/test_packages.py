"""Images built from packages (bake.model.packages): what the YAML keys turn into, and one clear
error (file:line, key path, what was expected) for each way to get them wrong."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bake.front import lint
from bake.model.family import load_family
from bake.model.packages import (
    Program,
    Recipe,
    build_args,
    dockerfile_for,
    dockerfile_path,
    dockerfile_text,
)
from tests.ci import require_tool
from tests.families import write_family
from tests.unit.model.test_config import run_generate

GOOD = """\
base:
  description: the base
apps:
  firefox:
    description: Firefox
  vlc:
    description: VLC
    platforms: [linux/amd64, linux/arm64]
    packages:
      all: [vlc-bin]
      linux/amd64: [vlc-plugin-qt]
    files: dockerfiles/apps/vlc
    env: {VLC_VERBOSE: "0", HOME_HINT: "$HOME \\"x\\""}
    program:
      command: /usr/local/bin/wait-for-x /usr/bin/vlc
      priority: 120
accelerators:
  nvidia:
    description: NVIDIA
    platforms: [linux/amd64, linux/arm64]
    packages: [libegl1]
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "dockerfiles/apps/vlc/etc").mkdir(parents=True)
    return write_family(tmp_path, text)  # with stub Dockerfiles for the others


def test_recipe_is_read_into_the_model(tmp_path: Path) -> None:
    family = load_family(write(tmp_path, GOOD))
    vlc = family.image("vlc")
    assert vlc.recipe == Recipe(
        packages=("vlc-bin",),
        platform_packages={"linux/amd64": ("vlc-plugin-qt",)},
        files="dockerfiles/apps/vlc",
        env={"VLC_VERBOSE": "0", "HOME_HINT": '$HOME "x"'},
        program=Program(command="/usr/local/bin/wait-for-x /usr/bin/vlc", priority=120),
    )
    assert vlc.dockerfile == "" and vlc.context == ""
    assert vlc.recipe.packages_for("linux/amd64") == ("vlc-bin", "vlc-plugin-qt")
    assert vlc.recipe.packages_for("linux/arm64") == ("vlc-bin",)
    assert family.image("nvidia-vlc").recipe == family.config.accelerators[0].recipe
    assert family.image("firefox").recipe is None  # its own Dockerfile, as before


def test_build_args_and_env() -> None:
    recipe = Recipe(
        packages=("a", "b"),
        platform_packages={"linux/amd64": ("c",), "linux/arm64": ()},
        env={"X": 'say "$HOME" \\'},
        program=Program(command="run it"),
    )
    assert build_args(recipe, "app", ("linux/amd64", "linux/arm64")) == {
        "PACKAGES": "a b",
        "PLATFORM_PACKAGES": "linux/amd64=c",
        "PLATFORMS": "linux/amd64 linux/arm64",
        "PROGRAM": "app",
        "PROGRAM_COMMAND": "run it",
        "PROGRAM_PRIORITY": "100",
        "PROGRAM_USER": "neko",
    }
    text = dockerfile_for(recipe)
    assert text.startswith(dockerfile_text())
    assert text.endswith('ENV X="say \\"\\$HOME\\" \\\\"\n')
    assert dockerfile_for(Recipe(packages=("a",))) == dockerfile_text()


def _vlc(extra: str) -> str:
    """GOOD with vlc's recipe replaced by ``extra`` (indented YAML under vlc)."""
    start = GOOD.index("    packages:\n      all")
    end = GOOD.index("accelerators:")
    return GOOD[:start] + extra + GOOD[end:]


BAD = {
    "bad package name": (
        _vlc("    packages: [vlc-bin, VLC_Player]\n"),
        "apps.vlc.packages[1]",
        9,
        "'VLC_Player' is not a Debian package name",
    ),
    "duplicate package": (
        _vlc("    packages: [vlc-bin, vlc-bin]\n"),
        "apps.vlc.packages[1]",
        9,
        "duplicate package 'vlc-bin'",
    ),
    "files folder missing": (
        _vlc("    packages: [vlc-bin]\n    files: dockerfiles/apps/vlcc\n"),
        "apps.vlc.files",
        10,
        "expected an existing folder, not 'dockerfiles/apps/vlcc'",
    ),
    "files outside the repository": (
        _vlc("    packages: [vlc-bin]\n    files: ../elsewhere\n"),
        "apps.vlc.files",
        10,
        "expected a folder inside the repository",
    ),
    "program without command": (
        _vlc("    packages: [vlc-bin]\n    program:\n      priority: 5\n"),
        "apps.vlc.program.command",
        10,
        "expected the command supervisord runs",
    ),
    "program with a bad priority": (
        _vlc("    packages: [vlc-bin]\n    program: {command: vlc, priority: -1}\n"),
        "apps.vlc.program.priority",
        10,
        "expected a whole number >= 0",
    ),
    "dockerfile and packages": (
        _vlc("    dockerfile: dockerfiles/apps/vlc/Dockerfile\n    packages: [vlc-bin]\n"),
        "apps.vlc.dockerfile",
        9,
        "'dockerfile' and 'packages' are mutually exclusive",
    ),
    "files without packages": (
        _vlc("    files: dockerfiles/apps/vlc\n"),
        "apps.vlc",
        6,
        "missing key 'packages'",
    ),
    "a platform left without packages": (
        _vlc("    packages:\n      linux/amd64: [vlc-bin]\n"),
        "apps.vlc.packages",
        9,
        "vlc is built for linux/arm64 but installs no package there",
    ),
    "unknown platform in packages": (
        _vlc("    packages:\n      linux/arm65: [vlc-bin]\n"),
        "apps.vlc.packages.linux/arm65",
        10,
        "did you mean 'linux/arm64'?",
    ),
    "accelerator platform without packages": (
        GOOD.replace("    packages: [libegl1]\n", "    packages: {linux/amd64: [libegl1]}\n"),
        "accelerators.nvidia.packages",
        21,
        "nvidia-firefox is built for linux/arm64 but installs no package there",
    ),
    "bad env name": (
        _vlc("    packages: [vlc-bin]\n    env: {1VAR: x}\n"),
        "apps.vlc.env.1VAR",
        10,
        "expected a variable name",
    ),
    "build arg of the shared Dockerfile": (
        _vlc("    packages: [vlc-bin]\n    args: {PACKAGES: x}\n"),
        "apps.vlc.args.PACKAGES",
        10,
        "'PACKAGES' is set by 'packages'",
    ),
    "the base has a Dockerfile": (
        GOOD.replace("  description: the base\n", "  description: the base\n  packages: [x11]\n"),
        "base.packages",
        3,
        "unknown key 'packages'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_recipe_is_one_clear_error(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, key_path, line, expected = BAD[case]
    path = write(tmp_path, text)
    code, err = run_generate(path, capsys)
    assert code == 2
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"{path}:{line}: error at {key_path}: "), err
    assert expected in err, err
    written = sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    assert written == ["family.yaml"], "nothing may be written"


def test_the_family_s_dockerfiles_include_the_shared_one() -> None:
    """What this repository's noxfile hands hadolint (bake.front.lint.dockerfiles)."""
    family = load_family(Path(__file__).parents[2] / "fixtures/yaml/family.yaml")
    files = lint.dockerfiles(family)
    shared = Path(files[-1])
    assert files == ["dockerfiles/base/Dockerfile", str(shared)]
    assert shared.read_text() == dockerfile_text() and shared.parent.name == "data"


def test_shared_dockerfile_lints_clean() -> None:
    require_tool("hadolint")  # skipped locally without it, a failure under CI
    root = Path(__file__).resolve().parents[3]  # for /.hadolint.yaml
    proc = subprocess.run(
        ["hadolint", dockerfile_path()], cwd=root, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
