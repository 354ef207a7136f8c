"""Markdown for $GITHUB_STEP_SUMMARY (bake.publish.summary): pure text from outcomes and verdicts."""

from __future__ import annotations

from pathlib import Path

from bake.publish.readback import Verdict
from bake.publish.summary import (
    append_step_summary,
    failure_markdown,
    refs_markdown,
    smoke_markdown,
)
from bake.smoke.suite import Check, Outcome


def outcome(image: str, platform: str, name: str, passed: bool, output: str = "") -> Outcome:
    check = Check(image, platform, f"r/{image}:t", name, "true", None, image)
    return Outcome(check, passed, 1.25, 0 if passed else 1, output, "" if passed else "exit code 1")


OUTCOMES = (
    outcome("base", "linux/amd64", "marker", True),
    outcome("base", "linux/arm/v7", "marker", True),
    outcome("app", "linux/amd64", "a|b", True),
    outcome("app", "linux/arm/v7", "not-on-armhf", False, "boom\n```\nmore"),
)


def test_smoke_table_is_markdown_with_failures_folded() -> None:
    text = smoke_markdown(OUTCOMES, "Smoke tests: all")
    lines = text.splitlines()
    assert lines[0] == "### Smoke tests: all"
    assert lines[2] == "| image | linux/amd64 | linux/arm/v7 |"
    assert lines[3] == "| --- | --- | --- |"
    assert lines[4] == "| `base` | ✅ pass 1.2s | ✅ pass 1.2s |"
    assert lines[5] == "| `app` | ✅ pass 1.2s | ❌ **FAIL** (not-on-armhf) 1.2s |"
    assert "<summary>❌ app on linux/arm/v7: not-on-armhf: exit code 1</summary>" in text
    # The failure's output cannot close the code fence early.
    assert text.count("```") == 2
    assert lines[-1] == "3 of 4 image × platform cells passed, 4 checks."


def test_table_cells_escape_pipes() -> None:
    text = smoke_markdown([outcome("app", "linux/amd64", "x", False, "")], "t")
    assert "❌ **FAIL** (x)" in text
    odd = Verdict("reg/a|b:t", "sha256:1", ("not an index | really",))
    refs = refs_markdown([odd, Verdict("reg/app:edge", "sha256:2", ())])
    assert "| ❌ not an index \\| really | `reg/a\\|b:t` | `sha256:1` |" in refs
    assert "| ✅ | `reg/app:edge` | `sha256:2` |" in refs


def test_append_only_when_github_says_where(tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    assert not append_step_summary("# one", {})
    assert append_step_summary("# one", {"GITHUB_STEP_SUMMARY": str(target)})
    assert append_step_summary("# two", {"GITHUB_STEP_SUMMARY": str(target)})
    assert target.read_text() == "# one\n# two\n"


def test_failure_is_a_heading_and_the_message() -> None:
    text = failure_markdown(
        "Merge: no tag was set", "merge: no tag was set\n  app on linux/arm/v7: ..."
    )
    assert text.startswith("### ❌ Merge: no tag was set\n\n```\nmerge: no tag was set\n")
    assert text.endswith("```\n")
