"""bake.core.options: one table, one order (defaults → family.yaml → environment → CLI)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bake.core import options
from bake.core.errors import ConfigError
from bake.core.run import Backoff

REPO = Path(__file__).resolve().parents[3]

BOTH = options.Setting("level", "BAKE_LEVEL", "level", 1, int, "a whole number", "test")


def test_each_layer_overrides_the_one_before() -> None:
    assert options.value(BOTH) == 1
    assert options.value(BOTH, family={"level": "2"}) == 2
    assert options.value(BOTH, family={"level": "2"}, env={"BAKE_LEVEL": "3"}) == 3
    layers = {"family": {"level": "2"}, "env": {"BAKE_LEVEL": "3"}, "cli": {"level": "4"}}
    assert options.value(BOTH, **layers) == 4


def test_only_the_winning_layers_text_is_parsed() -> None:
    assert options.value(BOTH, env={"BAKE_LEVEL": "x"}, cli={"level": "4"}) == 4


def test_an_empty_value_means_the_default() -> None:
    assert options.value(BOTH, family={"level": "2"}, env={"BAKE_LEVEL": ""}) == 1


def test_a_bad_value_names_its_layer() -> None:
    with pytest.raises(ConfigError) as env_error:
        options.value(options.RETRIES, env={"BAKE_RETRIES": "abc"})
    assert (
        str(env_error.value)
        == "environment: error at BAKE_RETRIES: expected a number >= 1, got 'abc'"
    )
    with pytest.raises(ConfigError, match=r"^family.yaml: error at level:"):
        options.value(BOTH, family={"level": "x"})
    with pytest.raises(ConfigError, match=r"^argument: error at level:"):
        options.value(BOTH, cli={"level": "x"})


@pytest.mark.parametrize("text", ["0", "-1", "nan", "1e"])
def test_numbers_below_the_minimum_are_errors(text: str) -> None:
    with pytest.raises(ConfigError, match="expected a number >= 1"):
        options.value(options.JOBS, env={"BAKE_JOBS": text})


def test_typed_values() -> None:
    env = {"BAKE_JOBS": "3", "BAKE_TEST_TIMEOUT": "2.5", "SOURCE_DATE_EPOCH": "12"}
    assert options.value(options.JOBS, env=env) == 3
    assert options.value(options.TEST_TIMEOUT, env=env) == 2.5
    assert options.value(options.EPOCH, env=env) == "12"
    assert options.value(options.REGISTRY, family={"registry": "a/b, c/d"}) == ("a/b", "c/d")
    assert options.TAGS.default == ("latest",)


def test_every_setting_is_named_once() -> None:
    names = [s.name for s in options.SETTINGS]
    envs = [s.env for s in options.SETTINGS if s.env]
    assert len(names) == len(set(names)) and len(envs) == len(set(envs))
    assert all(s.doc for s in options.SETTINGS)


def test_backoff_reads_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BAKE_RETRIES", "3")
    monkeypatch.setenv("BAKE_RETRY_DELAY", "0.25")
    backoff = Backoff()
    assert (backoff.attempts, backoff.first) == (3, 0.25)
    monkeypatch.setenv("BAKE_RETRIES", "abc")
    with pytest.raises(ConfigError):
        Backoff()


def test_bad_retries_is_one_exit_2_line() -> None:
    env = {**os.environ, "BAKE_RETRIES": "abc"}
    result = subprocess.run(
        [sys.executable, "-m", "bake", "check"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert (
        result.stderr == "environment: error at BAKE_RETRIES: expected a number >= 1, got 'abc'\n"
    )


def test_every_bake_setting_in_the_code_is_in_the_table() -> None:
    used = {
        name
        for path in (REPO / "bake").rglob("*.py")
        for name in re.findall(r"\bBAKE_[A-Z_]+\b", path.read_text())
    }
    assert used <= {s.env for s in options.SETTINGS}


def test_the_tables_defaults_are_the_ones_the_code_uses() -> None:
    from bake.publish import ghcr, sbom

    assert options.SBOM_GENERATOR.default == sbom.AUTO
    assert options.GITHUB_API.default == ghcr.API
