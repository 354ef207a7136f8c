"""The family file's ``prune:`` key, prune's own arguments, and ``inspect`` needing no
family file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bake.core.errors import ConfigError
from bake.front import cli
from bake.model.config import load_config
from bake.model.retention import Retention
from bake.publish.prune import split_prune_options
from tests.unit.model.test_config import GOOD, write


def test_prune_defaults_and_values(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, GOOD)).prune == Retention(keep_sha=10, keep_days=0)
    path = write(tmp_path, GOOD + "prune: {keep_sha: 3, keep_days: 14}\n")
    assert load_config(path).prune == Retention(keep_sha=3, keep_days=14)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("prune: {keep_sha: -1}\n", "at prune.keep_sha: expected a whole number >= 0, got -1"),
        ("prune: {keep_sha: true}\n", "at prune.keep_sha: expected a whole number >= 0"),
        ("prune: {keep_days: '7'}\n", "at prune.keep_days: expected a whole number >= 0"),
        ("prune: {keep_shas: 3}\n", "keep_sha"),  # did you mean
        ("prune: 3\n", "at prune: expected a mapping"),
    ],
)
def test_bad_prune_values_are_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        load_config(write(tmp_path, GOOD + text))


def test_prune_arguments() -> None:
    digest = "sha256:" + "a" * 64
    options, rest = split_prune_options(
        ["--dry-run", "--keep-digest", digest, f"--keep-digest={digest}", "REGISTRY=x/y"]
    )
    assert options.dry_run and options.keep_digests == (digest, digest)
    assert rest == ["REGISTRY=x/y"]
    with pytest.raises(ConfigError, match="expected a sha256"):
        split_prune_options(["--keep-digest", "latest"])


def test_inspect_needs_no_family_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no family.yaml here or above
    assert cli.main(["--config", str(tmp_path / "none.yaml"), "inspect", "bad"]) == 2
    assert "expected registry/name:tag" in capsys.readouterr().err
