"""BAKE_CACHE=gha (bake.build.cache): one GitHub Actions cache scope per image × platforms."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from bake.build import cache, pipeline
from bake.core.errors import ConfigError
from bake.front import cli
from bake.model.family import load_family
from tests.buildx import require_buildx

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "tests" / "fixtures" / "tiny" / "family.yaml"
TOKEN = {"ACTIONS_RUNTIME_TOKEN": "t", "ACTIONS_RESULTS_URL": "http://cache.invalid/"}


def test_resolve(capsys: pytest.CaptureFixture[str]) -> None:
    assert cache.resolve("", {}) == ""
    assert cache.resolve("off", TOKEN) == ""
    assert cache.resolve("gha", TOKEN) == "gha"
    assert cache.resolve("gha", {}) == ""
    assert "ACTIONS_RUNTIME_TOKEN is not set" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="BAKE_CACHE: expected 'gha' or 'off', got 's3'"):
        cache.resolve("s3", TOKEN)


def test_every_built_image_gets_its_own_scope_per_platform() -> None:
    family = load_family(TINY)
    args = cache.cache_set_args("gha", family, family.select("turbo-hello"), ["linux/arm64"])
    # turbo-hello builds its chain (base, hello) through target: contexts: all three cached.
    assert args == [
        "--set",
        "base.cache-from=type=gha,scope=base-linux-arm64",
        "--set",
        "base.cache-to=type=gha,scope=base-linux-arm64,mode=max,ignore-error=true",
        "--set",
        "hello.cache-from=type=gha,scope=hello-linux-arm64",
        "--set",
        "hello.cache-to=type=gha,scope=hello-linux-arm64,mode=max,ignore-error=true",
        "--set",
        "turbo-hello.cache-from=type=gha,scope=turbo-hello-linux-arm64",
        "--set",
        "turbo-hello.cache-to=type=gha,scope=turbo-hello-linux-arm64,mode=max,ignore-error=true",
    ]
    assert cache.cache_set_args("", family, family.select("all"), ["linux/arm64"]) == []


def test_bake_command_carries_the_cache_only_when_asked() -> None:
    options = pipeline.Options.from_env({"BAKE_CACHE": "gha", **TOKEN})
    none = pipeline.sbom.Attestations(None)
    plan = pipeline.make_plan(TINY, "hello", options=options, env={}, platforms=["linux/arm64"])
    cmd = pipeline.bake_command(plan, none, Path("/out"))
    assert "base.cache-from=type=gha,scope=base-linux-arm64" in cmd
    assert "hello.cache-to=type=gha,scope=hello-linux-arm64,mode=max,ignore-error=true" in cmd
    plain = pipeline.make_plan(TINY, "hello", options=pipeline.Options.from_env({}), env={})
    assert not any("cache" in arg for arg in pipeline.bake_command(plain, none, Path("/out")))


def test_buildx_takes_the_scopes(tmp_path: Path) -> None:
    """The real bake parser applies the --set overrides to each target (no build)."""
    require_buildx()
    shutil.copytree(TINY.parent, tmp_path, dirs_exist_ok=True)
    assert cli.main(["--config", str(tmp_path / "family.yaml"), "generate"]) == 0
    family = load_family(tmp_path / "family.yaml")
    args = cache.cache_set_args("gha", family, family.select("hello"), ["linux/arm/v7"])
    proc = subprocess.run(
        ["docker", "buildx", "bake", "-f", "docker-bake.hcl", "--print", "hello", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    targets = json.loads(proc.stdout)["target"]
    for name in ("base", "hello"):  # bake prints (and builds) the target: context too
        want = {"type": "gha", "scope": f"{name}-linux-arm-v7"}
        assert targets[name]["cache-from"] == [want]
        assert targets[name]["cache-to"] == [{**want, "mode": "max", "ignore-error": "true"}]
