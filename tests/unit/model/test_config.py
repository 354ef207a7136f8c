"""Bad input: one clear message (file, key path, line, what was expected), exit code 2,
no traceback, nothing written."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bake.front import cli
from bake.model.config import load_config
from bake.model.specs import DEFAULT_PLATFORMS
from tests.families import write_family

GOOD = """\
registry: ghcr.io/example/neko
base:
  description: the base
apps:
  firefox:
    description: Firefox
    tests:
      - {name: version, run: firefox-esr --version, expect: Firefox}
  vlc:
    description: VLC
    platforms: [linux/amd64]
accelerators:
  nvidia:
    description: NVIDIA
    platforms: [linux/amd64, linux/arm64]
"""


def write(tmp_path: Path, text: str) -> Path:
    write_family(tmp_path, GOOD)  # the stub Dockerfiles of a good family
    path = tmp_path / "family.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def run_generate(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(["--config", str(path), "generate"])
    return code, capsys.readouterr().err


def test_good_config_loads_with_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.platforms == DEFAULT_PLATFORMS
    assert config.tags == ("latest",)
    assert config.base.dockerfile == "base/Dockerfile"
    assert config.base.context == "base"
    assert [a.name for a in config.apps] == ["firefox", "vlc"]
    assert config.apps[0].dockerfile == "apps/firefox/Dockerfile"
    assert config.apps[0].tests[0].expect == "Firefox"
    assert config.apps[1].platforms == ("linux/amd64",)
    assert config.accelerators[0].dockerfile == "accelerators/nvidia/Dockerfile"


BAD = {
    "unknown key with hint": (
        GOOD.replace("    platforms: [linux/amd64]\n", "    platfroms: [linux/amd64]\n"),
        "apps.vlc.platfroms",
        11,
        "did you mean 'platforms'?",
    ),
    "unknown top-level key": (GOOD + "registy: x\n", "registy", 16, "did you mean 'registry'?"),
    "wrong type": (
        GOOD.replace("platforms: [linux/amd64]\n", "platforms: linux/amd64\n"),
        "apps.vlc.platforms",
        11,
        "expected a list, got a string",
    ),
    "invalid platform": (
        GOOD.replace("[linux/amd64]", "[linux/arm64/v9]"),
        "apps.vlc.platforms[0]",
        11,
        "'linux/arm64/v9' is not a known platform",
    ),
    "number where a string belongs": (
        GOOD.replace("description: VLC", "description: 3.0"),
        "apps.vlc.description",
        10,
        'quote it: "3.0"',
    ),
    "invalid name": (
        GOOD.replace("  vlc:", "  VLC_Player:"),
        "apps.VLC_Player",
        9,
        "not a valid image/target name",
    ),
    "unknown parent": (
        GOOD.replace("    description: VLC\n", "    description: VLC\n    parent: firefx\n"),
        "apps.vlc.parent",
        11,
        "did you mean 'firefox'?",
    ),
    "parent cycle": (
        GOOD.replace(
            "    description: Firefox\n", "    description: Firefox\n    parent: vlc\n"
        ).replace("    description: VLC\n", "    description: VLC\n    parent: firefox\n"),
        "apps.firefox.parent",
        7,
        "parent cycle: firefox → vlc → firefox",
    ),
    "unknown accelerator": (
        GOOD.replace("    platforms: [linux/amd64]\n", "    accelerators: {nvidea: false}\n"),
        "apps.vlc.accelerators.nvidea",
        11,
        "did you mean 'nvidia'?",
    ),
    "empty intersection": (
        GOOD.replace("platforms: [linux/amd64]", "platforms: [linux/arm/v7]"),
        "apps.vlc",
        9,
        "the chain base → vlc → nvidia-vlc has no platform in common",
    ),
    "duplicate key": (GOOD + "apps: {}\n", "", 16, "duplicate key 'apps'"),
    "parent name with a tag": (
        GOOD.replace("description: VLC\n", "description: VLC\n    from: ghcr.io/you/base:1\n"),
        "apps.vlc.from",
        11,
        "is not a name for FROM",
    ),
    "missing Dockerfile": (
        GOOD.replace("description: VLC\n", "description: VLC\n    dockerfile: vlc.Dockerfile\n"),
        "apps.vlc.dockerfile",
        11,
        "Dockerfile 'vlc.Dockerfile' does not exist",
    ),
    "missing default Dockerfile": (
        GOOD.replace("apps:\n", "layout: {apps: 'images/{name}'}\napps:\n"),
        "apps.firefox.dockerfile",
        6,
        "Dockerfile 'images/firefox/Dockerfile' does not exist (the default",
    ),
    "missing context": (
        GOOD.replace("description: VLC\n", "description: VLC\n    context: src/vlc\n"),
        "apps.vlc.context",
        11,
        "build context folder 'src/vlc' does not exist",
    ),
    "unknown layout key": (GOOD + "layout: {app: x}\n", "layout.app", 16, "did you mean 'apps'?"),
    "duplicate name": (
        GOOD.replace("  vlc:\n", "  vlc:\n    aliases: [firefox]\n"),
        "apps.vlc.aliases[0]",
        10,
        "duplicate name 'firefox': alias 'firefox' of vlc clashes with app 'firefox' at apps.firefox",
    ),
    "group name taken": (
        GOOD.replace("  vlc:", "  apps:"),
        "apps.apps",
        9,
        "clashes with the group 'apps'",
    ),
    "yaml syntax": (GOOD + "  - [unclosed\n", "", 16, "invalid YAML"),
    "missing run": (
        GOOD.replace("run: firefox-esr --version, ", ""),
        "apps.firefox.tests[0]",
        8,
        "missing key 'run'",
    ),
    "bad regex": (
        GOOD.replace("expect: Firefox", "expect: 'Fire(fox'"),
        "apps.firefox.tests[0].expect",
        8,
        "regular expression",
    ),
    "per-platform not a bool": (
        GOOD.replace("expect: Firefox", "expect: Firefox, per-platform: 'no'"),
        "apps.firefox.tests[0].per-platform",
        8,
        "expected true or false, got 'no'",
    ),
    "bad registry": (
        GOOD.replace("ghcr.io/example/neko", "ghcr.io/Example Neko"),
        "registry",
        1,
        "not a registry",
    ),
    "missing description": (
        GOOD.replace("    description: VLC\n", ""),
        "apps.vlc.description",
        9,
        "non-empty description",
    ),
    "absolute dockerfile": (
        GOOD.replace(
            "    description: VLC\n", "    description: VLC\n    dockerfile: /etc/passwd\n"
        ),
        "apps.vlc.dockerfile",
        11,
        "relative path inside the repository",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_clear_error(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, key_path, line, expected = BAD[case]
    path = write(tmp_path, text)
    code, err = run_generate(path, capsys)
    assert code == 2
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    where = f"{path}:{line}" if line else str(path)
    assert err.startswith(f"{where}: error"), err
    if key_path:
        assert f" at {key_path}: " in err, err
    assert expected in err
    written = sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    assert written == ["family.yaml"], "nothing may be written"


def test_error_leaves_committed_files_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD)
    assert cli.main(["--config", str(path), "generate"]) == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    path.write_text(GOOD.replace("[linux/amd64]", "[linux/mips]"))
    assert cli.main(["--config", str(path), "generate"]) == 2
    after = {
        p.name: p.read_bytes()
        for p in tmp_path.iterdir()
        if p.is_file() and p.name != "family.yaml"
    }
    assert after == {k: v for k, v in before.items() if k != "family.yaml"}


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_generate(tmp_path / "nope.yaml", capsys)
    assert code == 2 and "cannot read the file" in err


def test_layout_and_parent_names_come_from_the_family_file(tmp_path: Path) -> None:
    text = GOOD.replace(
        "apps:\n",
        "layout: {base: img/base, apps: 'img/{name}', accelerators: 'acc/{name}'}\n"
        "from: {apps: ghcr.io/you/base}\n"
        "apps:\n",
    ).replace("description: VLC\n", "description: VLC\n    from: ghcr.io/you/vlc-base\n")
    path = tmp_path / "family.yaml"
    path.write_text(text)
    config = load_config(path)
    assert config.registry == "ghcr.io/example/neko"
    assert config.base.dockerfile == "img/base/Dockerfile"
    assert [a.dockerfile for a in config.apps] == ["img/firefox/Dockerfile", "img/vlc/Dockerfile"]
    assert [a.from_name for a in config.apps] == ["ghcr.io/you/base", "ghcr.io/you/vlc-base"]
    assert config.accelerators[0].dockerfile == "acc/nvidia/Dockerfile"
    assert config.accelerators[0].from_name == "app"  # the neutral default


def test_neutral_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD.replace("registry: ghcr.io/example/neko\n", "")))
    assert config.registry == "localhost:5000"
    assert [a.from_name for a in config.apps] == ["base", "base"]
