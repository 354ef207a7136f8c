"""``python -m bake`` subcommands, called through ``cli.main`` and as a real process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bake.front import cli

HERE = Path(__file__).parents[2]
REPO = HERE.parent


@pytest.fixture()
def family_dir(tmp_path: Path) -> Path:
    shutil.copytree(HERE / "fixtures/emit", tmp_path, dirs_exist_ok=True)
    return tmp_path


def bake(family_dir: Path, *args: str) -> int:
    return cli.main(["--config", str(family_dir / "family.yaml"), *args])


def test_generate_then_check(family_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bake(family_dir, "check") == 1  # nothing generated yet
    assert bake(family_dir, "generate") == 0
    assert (family_dir / "docker-bake.hcl").is_file() and (
        family_dir / "docker-bake.json"
    ).is_file()
    capsys.readouterr()
    assert bake(family_dir, "check") == 0
    assert "up to date" in capsys.readouterr().out


def test_check_shows_a_diff_when_stale(
    family_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bake(family_dir, "generate")
    hcl = family_dir / "docker-bake.hcl"
    hcl.write_text(hcl.read_text().replace("A media player", "A hand edit"))
    capsys.readouterr()
    assert bake(family_dir, "check") == 1
    out, err = capsys.readouterr()
    assert '-  description = "A hand edit"' in out and '+  description = "A media player"' in out
    assert "docker-bake.hcl is stale" in err and "python -m bake generate" in err


def test_generate_is_idempotent(family_dir: Path) -> None:
    bake(family_dir, "generate")
    first = (
        (family_dir / "docker-bake.hcl").read_bytes(),
        (family_dir / "docker-bake.json").read_bytes(),
    )
    bake(family_dir, "generate")
    assert first == (
        (family_dir / "docker-bake.hcl").read_bytes(),
        (family_dir / "docker-bake.json").read_bytes(),
    )


def test_list(family_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bake(family_dir, "list") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["TARGET", "TIER", "PARENT", "PLATFORMS"]
    row = next(line.split() for line in out.splitlines() if line.startswith("nvidia-kiosk "))
    assert row == ["nvidia-kiosk", "accelerator", "kiosk", "linux/amd64,linux/arm64"]
    assert "group firefox-all: firefox nvidia-firefox intel-firefox" in out


def test_show_json(
    family_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY", "r.io/x")
    monkeypatch.setenv("TAG", "t1")
    assert bake(family_dir, "show", "--json", "nvidia-kiosk") == 0
    (shown,) = json.loads(capsys.readouterr().out)
    assert shown["chain"] == ["base", "firefox", "kiosk", "nvidia-kiosk"]
    assert shown["tags"] == ["r.io/x/nvidia-kiosk:t1"]
    assert [t["from"] for t in shown["tests"]] == ["base", "firefox", "nvidia"]


def test_matrix(family_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bake(family_dir, "matrix", "kiosk-all", "--per-platform") == 0
    include = json.loads(capsys.readouterr().out)["include"]
    assert [(j["target"], j["platform"]) for j in include] == [
        ("kiosk", "linux/amd64"),
        ("kiosk", "linux/arm64"),
        ("nvidia-kiosk", "linux/amd64"),
        ("nvidia-kiosk", "linux/arm64"),
        ("intel-kiosk", "linux/amd64"),
    ]


def test_committed_files_are_current() -> None:
    """The same check CI runs, as a real process from the repository root."""
    result = subprocess.run(
        [sys.executable, "-m", "bake", "check"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_bad_config_exits_2_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "family.yaml").write_text("base: [\n")
    result = subprocess.run(
        [sys.executable, "-m", "bake", "--config", str(tmp_path / "family.yaml"), "generate"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "invalid YAML" in result.stderr
