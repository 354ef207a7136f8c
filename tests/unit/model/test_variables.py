"""Run-time variables (REGISTRY, TAG, VERSION, SHA, CREATED, CACHE_REGISTRY, from the
environment or NAME=value arguments) are validated before any work starts, with the
same one-line errors (exit 2) as the family file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bake.build import pipeline
from bake.core.errors import ConfigError
from bake.front import cli, sessions
from bake.model.family import load_family
from bake.model.naming import Variables
from bake.smoke import suite
from tests.oracle import common_labels

TINY = Path(__file__).resolve().parents[2] / "fixtures/tiny/family.yaml"

BAD = {
    "VERSION=not-a-version": (
        "VERSION",
        "'not-a-version' is not a semantic version (1.2.3, v1.2.3 or 1.2.3-rc.1); "
        "for a plain tag use TAG=not-a-version instead",
    ),
    "VERSION=v": ("VERSION", "'v' is not a semantic version"),
    "VERSION=1.2": ("VERSION", "'1.2' is not a semantic version"),
    "VERSION=1.2.3+build.5": ("VERSION", "is not a semantic version"),
    "VERSION=01.2.3": ("VERSION", "is not a semantic version"),
    "SHA=zzz": ("SHA", "'zzz' is not a git commit: expected 7 to 40 hex digits"),
    "SHA=abc": ("SHA", "is not a git commit"),
    "SHA=" + "a" * 41: ("SHA", "is not a git commit"),
    "CREATED=yesterday": ("CREATED", "'yesterday' is not an RFC 3339 time"),
    "CREATED=2026-13-01T00:00:00Z": ("CREATED", "is not an RFC 3339 time"),
    "CREATED=2026-11-28T09:00:00": ("CREATED", "is not an RFC 3339 time"),  # no zone
    "REGISTRY=": ("REGISTRY", "is empty: every image needs a registry/namespace name"),
    "REGISTRY=a.example/x, b.example/y": ("REGISTRY", "' b.example/y' is not a registry"),
    "REGISTRY=../up": ("REGISTRY", "'../up' is not a registry"),
    "TAG=bad tag": ("TAG", "'bad tag' is not a valid image tag"),
    "TAG=a,,b": ("TAG", "'' is not a valid image tag"),
    "TAG=": ("TAG", "no tag to publish: TAG, VERSION and SHA are all empty"),
    "CACHE_REGISTRY=a.example/x,b.example/y": (
        "CACHE_REGISTRY",
        "is not one registry/namespace",
    ),
}
GOOD = [
    {"VERSION": "1.2.3"},
    {"VERSION": "v1.2.3"},
    {"VERSION": "3.0.0-rc.1"},
    {"VERSION": "1.2.3", "TAG": ""},
    {"SHA": "0123456789abcdef0123456789abcdef01234567"},
    {"SHA": "abcdef0", "TAG": ""},
    {"CREATED": "2026-11-28T09:00:00Z"},
    {"CREATED": "2026-11-28T09:00:00.123+01:00"},
    {"REGISTRY": "127.0.0.1:5000/a,ghcr.io/b/c"},
    {"CACHE_REGISTRY": "127.0.0.1:5000/cache"},
    {"TAG": "latest,nightly"},
]


def _env(assignment: str) -> dict[str, str]:
    name, value = assignment.split("=", 1)
    return {name: value}


@pytest.mark.parametrize("assignment", sorted(BAD))
def test_bad_variable_in_the_environment_stops_show(
    assignment: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in _env(assignment).items():
        monkeypatch.setenv(name, value)
    assert cli.main(["--config", str(TINY), "show", "hello"]) == 2
    err = capsys.readouterr().err
    name, expected = BAD[assignment]
    assert err.startswith(f"environment: error at {name}: "), err
    assert expected in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("assignment", sorted(BAD))
def test_bad_variable_as_an_argument_stops_the_plan(assignment: str) -> None:
    """`nox -s push-x -- VERSION=...`: the session's make_plan refuses before any work."""
    overrides, _ = sessions.split_posargs([assignment])
    name, expected = BAD[assignment]
    with pytest.raises(ConfigError) as raised:
        pipeline.make_plan(TINY, "hello", overrides, env={})
    assert str(raised.value).startswith(f"argument: error at {name}: "), raised.value
    assert expected in str(raised.value)
    assert raised.value.exit_code == 2


@pytest.mark.parametrize(
    "env", GOOD, ids=[",".join(f"{k}={v}" for k, v in e.items()) for e in GOOD]
)
def test_good_variables_pass(env: dict[str, str]) -> None:
    plan = pipeline.make_plan(TINY, "hello", env=env)
    assert all(plan.refs(image) for image in plan.images)


def test_an_empty_tag_list_never_reaches_the_smoke_planner(tmp_path: Path) -> None:
    """Once `tags: []` (or TAG=) gave images no ref and smoke.plan_checks an IndexError."""
    path = tmp_path / "family.yaml"
    path.write_text(TINY.read_text().replace("tags:", "x-tags:") + "tags: []\n")
    with pytest.raises(ConfigError, match="at tags: expected at least one tag"):
        pipeline.make_plan(path, "all", env={})
    with pytest.raises(ConfigError, match="no tag to publish"):
        plan = pipeline.make_plan(TINY, "all", env={"TAG": ""})
        suite.plan_checks(plan.images, plan.refs)


def test_the_version_label_is_the_first_tag_only_when_version_is_unset() -> None:
    """As the HCL says (VERSION != "" ? trimprefix(VERSION, "v") : TAG's first)."""
    config = load_family(TINY).config
    label = "org.opencontainers.image.version"
    assert common_labels(config, Variables("r.example/x", "latest", "v"))[label] == ""
    assert common_labels(config, Variables("r.example/x", "latest", ""))[label] == "latest"
    assert common_labels(config, Variables("r.example/x", "latest", "v1.2.3"))[label] == "1.2.3"
