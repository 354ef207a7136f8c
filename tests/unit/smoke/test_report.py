"""bake.report: the image × platform table and the failure listing."""

from __future__ import annotations

import io

from bake.build import report as build_report
from bake.front import report as front_report
from bake.publish import report as publish_report
from bake.smoke import report as smoke_report
from bake.smoke.suite import Check, Outcome


def _outcome(
    image: str, platform: str, name: str, seconds: float, passed: bool = True, **kw: str
) -> Outcome:
    check = Check(
        image, platform, f"r/{image}:t", name, kw.get("script", "true"), origin=kw.get("origin", "")
    )
    return Outcome(
        check,
        passed,
        seconds,
        0 if passed else 1,
        kw.get("output", ""),
        "" if passed else "exit code 1",
    )


OUTCOMES = (
    _outcome("base", "linux/amd64", "architecture", 0.5),
    _outcome("base", "linux/amd64", "marker", 0.25),
    _outcome("base", "linux/arm/v7", "architecture", 1.5),
    _outcome("app", "linux/amd64", "architecture", 0.5),
    _outcome(
        "app",
        "linux/arm/v7",
        "not-on-armhf",
        2.0,
        passed=False,
        script='test "$(dpkg --print-architecture)" != armhf',
        output="oops\nbad\n",
        origin="app",
    ),
)


def test_table_has_one_row_per_image_and_one_column_per_platform() -> None:
    assert smoke_report.render_table(smoke_report.cells(OUTCOMES)) == (
        "image  linux/amd64   linux/arm/v7\n"
        "-----  ------------  ---------------------------\n"
        "base   pass    0.8s  pass    1.5s\n"
        "app    pass    0.5s  FAIL    2.0s (not-on-armhf)"
    )


def test_a_platform_an_image_is_not_built_for_shows_a_dash() -> None:
    outcomes = (*OUTCOMES, _outcome("gpu", "linux/amd64", "architecture", 1.0))
    last = smoke_report.render_table(smoke_report.cells(outcomes)).splitlines()[-1]
    assert last.split() == ["gpu", "pass", "1.0s", "-"]


def test_failures_name_the_test_and_show_its_output() -> None:
    assert smoke_report.render_failures(smoke_report.cells(OUTCOMES)) == (
        "FAILED app on linux/arm/v7: test 'not-on-armhf': exit code 1\n"
        '  $ test "$(dpkg --print-architecture)" != armhf\n'
        "    oops\n"
        "    bad"
    )


def test_inherited_tests_say_where_they_come_from() -> None:
    outcome = _outcome("nvidia-app", "linux/amd64", "marker", 1.0, passed=False, origin="base")
    assert "test 'marker' (from base): exit code 1" in smoke_report.render_failures(
        smoke_report.cells([outcome])
    )


def test_summary_ends_with_a_verdict() -> None:
    text = smoke_report.render_summary(OUTCOMES)
    assert text.endswith("smoke tests: 1 failed (3 of 4 image × platform cells passed, 5 checks)")
    assert "FAILED app on linux/arm/v7" in text
    passing = smoke_report.render_summary(OUTCOMES[:2])
    assert passing.endswith(
        "smoke tests: all passed (1 of 1 image × platform cells passed, 2 checks)"
    )
    assert "FAILED" not in passing


def test_listings_and_verdicts_are_rendered_here() -> None:
    from pathlib import Path

    from bake.model.family import load_family
    from bake.model.naming import Variables
    from bake.publish.readback import Verdict

    family = load_family(Path(__file__).parents[2] / "fixtures/adopt/family.yaml")
    listing = front_report.render_list(family).splitlines()
    assert listing[0].split() == ["TARGET", "TIER", "PARENT", "PLATFORMS"]
    assert listing[3].split() == ["shout", "app", "hello", "linux/amd64,linux/arm64"]
    assert "group all: base hello shout turbo-hello turbo-shout" in listing
    shown = front_report.render_show(family.image("shout"), Variables.defaults(family.config))
    assert "  contexts:   registry.example.com/you/hello = target:hello" in shown
    assert "    registry.example.com/you/shout:latest" in shown
    verdicts = [Verdict("r/x:1", "sha256:a", ()), Verdict("r/y:1", "", ("cannot read it back",))]
    assert publish_report.render_verdicts(verdicts) == (
        "ok    r/x:1  sha256:a\nFAIL  r/y:1  -\n      cannot read it back"
    )
    assert (
        build_report.render_attestations(None) == "  attestations: provenance (mode=max), no SBOM"
    )


def test_progress_line_per_finished_check() -> None:
    passed = _outcome("firefox", "linux/arm64", "firefox-version", 3.21)
    assert (
        smoke_report.progress_line(12, 328, passed)
        == "[12/328] firefox linux/arm64 firefox-version pass 3.2s"
    )
    assert (
        smoke_report.progress_line(5, 5, OUTCOMES[-1])
        == "[5/5] app linux/arm/v7 not-on-armhf FAIL 2.0s (exit code 1)"
    )


def test_progress_counts_and_keeps_every_outcome() -> None:
    stream = io.StringIO()
    progress = smoke_report.Progress(len(OUTCOMES), stream)
    for outcome in OUTCOMES:
        progress(outcome)
    lines = stream.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == ["[1/5]", "[2/5]", "[3/5]", "[4/5]", "[5/5]"]
    assert progress.outcomes == list(OUTCOMES)


def test_interrupted_run_lists_what_did_not_run_per_cell() -> None:
    checks = [o.check for o in OUTCOMES]
    text = smoke_report.render_interrupted("interrupted by SIGINT", checks, OUTCOMES[:2])
    assert text.splitlines() == [
        "interrupted by SIGINT: 2 of 5 checks finished (2 passed, 0 failed) before the run "
        "stopped; its containers were removed",
        "not run (3 checks):",
        "  base on linux/arm/v7: architecture",
        "  app on linux/amd64: architecture",
        "  app on linux/arm/v7: not-on-armhf",
    ]
