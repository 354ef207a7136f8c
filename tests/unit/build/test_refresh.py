"""The refresh's pure parts: the stamp, the cache-busting argument, dpkg parsing, the package
comparison, the report; and that every reference Dockerfile lets the refresh re-run its
package installs. The real thing runs in tests/test_refresh_docker.py."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest

from bake.build import pipeline, refresh
from bake.model.family import load_family
from tests import workflow

ROOT = Path(__file__).resolve().parents[3]
FAMILY = ROOT / "family.yaml"


def test_stamp_is_the_utc_date_unless_overridden() -> None:
    assert refresh.stamp({}, datetime.date(2026, 11, 30)) == "2026-11-30"
    assert refresh.stamp({"BAKE_REFRESH_STAMP": "run-7"}) == "run-7"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", refresh.stamp({}))


def test_refresh_plan_adds_the_build_arg_to_every_target_and_nothing_else() -> None:
    plan = pipeline.make_plan(FAMILY, "firefox", options=pipeline.Options(buildx_args=("--pull",)))
    busted = refresh.refresh_plan(plan, "2026-11-30")
    assert busted.options.buildx_args == ("--pull", "--set", "*.args.REFRESH=2026-11-30")
    assert busted.images == plan.images and busted.variables == plan.variables
    assert "REFRESH" not in " ".join(pipeline.bake_command(plan, refresh_attestations(), ROOT))


def refresh_attestations() -> pipeline.sbom.Attestations:
    return pipeline.sbom.Attestations(sbom_generator=None)


def test_parse_dpkg_keeps_installed_packages_only() -> None:
    text = "ii |libc6|arm64|2.36-9+deb12u9\nrc |oldpkg|arm64|1.0\nii |tzdata|all|2025b-0+deb12u1\n"
    assert refresh.parse_dpkg(text) == {
        "libc6:arm64": "2.36-9+deb12u9",
        "tzdata:all": "2025b-0+deb12u1",
    }


def test_compare_lists_names_added_removed_and_upgraded_packages() -> None:
    old = {"libc6:amd64": "2.36-9", "libssl3:amd64": "3.0.15-1", "gone:all": "1"}
    new = {"libc6:amd64": "2.36-9", "libssl3:amd64": "3.0.16-1", "new:all": "2"}
    changes = refresh.compare_lists(old, new)
    assert changes.upgraded == ("libssl3:amd64 3.0.15-1 → 3.0.16-1",)
    assert changes.added == ("new:all 2",) and changes.removed == ("gone:all 1",)
    assert changes and not refresh.compare_lists(old, dict(old))
    assert refresh.compare_lists(old, old).describe() == "unchanged"


def test_an_image_changed_when_any_platform_changed_or_it_was_never_published() -> None:
    same = refresh.PackageChanges()
    moved = refresh.PackageChanges(upgraded=("a:all 1 → 2",))
    assert not refresh.Comparison("base", True, {"linux/amd64": same}).changed
    assert refresh.Comparison("base", True, {"linux/amd64": same, "linux/arm64": moved}).changed
    assert refresh.Comparison("new", False, {}).changed
    report = refresh.render(
        [
            refresh.Comparison("base", True, {"linux/amd64": same}),
            refresh.Comparison("firefox", True, {"linux/arm64": moved}),
        ]
    )
    assert "keep    base     linux/amd64   unchanged" in report
    assert "re-tag  firefox  linux/arm64   upgraded a:all 1 → 2" in report


def _stages(dockerfile: Path) -> list[list[str]]:
    """Instructions (continuation lines joined, comments dropped) grouped by FROM (the
    first group holds the global ARGs before any FROM)."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    stages: list[list[str]] = [[]]
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def _dockerfiles() -> list[str]:
    """Every Dockerfile the reference family builds with, and any other in the repository's
    image folders (the shared one in bake/data too)."""
    named = {image.dockerfile for image in load_family(FAMILY).images if image.dockerfile}
    found = {
        path.relative_to(ROOT).as_posix()
        for folder in ("dockerfiles", "bake/data")
        for pattern in ("Dockerfile", "*.Dockerfile")
        for path in (ROOT / folder).rglob(pattern)
    }
    return sorted(named | found)


def test_the_dockerfile_list_is_not_empty() -> None:
    assert "dockerfiles/base/Dockerfile" in _dockerfiles()


@pytest.mark.parametrize("dockerfile", _dockerfiles())
def test_every_package_install_comes_after_arg_refresh(dockerfile: str) -> None:
    """A RUN sees (and is cached by) only the args declared before it in its stage."""
    for stage in _stages(ROOT / dockerfile):
        declared = False
        for instruction in stage:
            declared = declared or instruction.split() == ["ARG", "REFRESH"]
            if instruction.startswith("RUN ") and "apt-get" in instruction:
                assert declared, f"{dockerfile}: ARG REFRESH must come before: {instruction[:60]}"


def test_the_weekly_schedule_runs_the_refresh_and_nothing_else() -> None:
    """The plan job resolves the run (refresh or not, REGISTRY, TAG; tests/unit/
    test_workflow.py runs that step); here: what each job does with its answer."""
    flow = workflow.load(ROOT / ".github" / "workflows" / "images.yml")
    cron = flow["on"]["schedule"][0]["cron"].split()
    assert len(cron) == 5 and cron[2:4] == ["*", "*"] and cron[4].isdigit()  # one weekday
    github = {"event_name": "schedule", "ref": "refs/heads/main", "sha": "0" * 40}
    ctx: dict[str, Any] = {"github": github, "inputs": {}, "vars": {}, "secrets": {}}
    jobs = flow["jobs"]
    refresh = {"plan": {"result": "success", "outputs": {"refresh": "true", "plan": "{}"}}}
    release = {"plan": {"result": "success", "outputs": {"refresh": "false", "plan": "{}"}}}
    assert workflow.condition(jobs["refresh"]["if"], {**ctx, "needs": refresh})
    assert not workflow.condition(jobs["build"]["if"], {**ctx, "needs": refresh})
    assert not workflow.condition(jobs["merge"]["if"], {**ctx, "needs": refresh})
    assert not workflow.condition(jobs["refresh"]["if"], {**ctx, "needs": release})
    assert jobs["refresh"]["needs"] == "plan"
    assert jobs["refresh"]["steps"][-1]["run"] == 'nox -s "refresh-$SELECTION"'
