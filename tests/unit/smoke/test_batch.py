"""bake.smoke.batch: grouping checks into one container per image × platform, the script, and
splitting the container's output back into checks. (The script itself runs for real in
tests/integration/test_containers_docker.py: its `kill -9 -1` is only safe inside a container.)"""

from __future__ import annotations

import shlex
from dataclasses import replace

from bake.model.config import SmokeTest
from bake.model.family import load_family
from bake.model.naming import Variables, image_refs
from bake.smoke import batch, suite
from bake.smoke.suite import Check
from tests.unit.smoke.test_suite import TINY

TOKEN = "@@bake-0123456789abcdef"


def _check(image: str, platform: str, name: str, script: str = "true") -> Check:
    return Check(image, platform, f"r/{image}:t", name, script)


def test_batches_group_by_image_and_platform_in_first_seen_order() -> None:
    checks = [
        _check("base", "linux/amd64", "a"),
        _check("base", "linux/amd64", "b"),
        _check("base", "linux/arm64", "a"),
        _check("app", "linux/amd64", "a"),
        _check("base", "linux/amd64", "c"),  # not adjacent: still base × amd64
    ]
    groups = batch.batches(checks)
    assert [(b.image, b.platform, [c.name for c in b.checks]) for b in groups] == [
        ("base", "linux/amd64", ["a", "b", "c"]),
        ("base", "linux/arm64", ["a"]),
        ("app", "linux/amd64", ["a"]),
    ]
    assert groups[0].ref == "r/base:t"


def test_script_runs_each_check_by_index_after_defining_the_runner() -> None:
    checks = [_check("i", "p", "a", "echo 'it''s'; exit 3"), _check("i", "p", "b", "true")]
    text = batch.script(checks, TOKEN)
    lines = text.splitlines()
    assert lines[0] == f"T={TOKEN}"
    assert lines[-2:] == ["check 0 'echo '\"'\"'it'\"'\"''\"'\"'s'\"'\"'; exit 3'", "check 1 true"]
    assert shlex.split(lines[-2]) == ["check", "0", "echo 'it''s'; exit 3"]
    runner = "\n".join(lines[1:-2])
    assert '/bin/sh -c "$2" </dev/null 2>"$E"' in runner  # stderr after stdout, as before
    assert "kill -9 -1" in runner  # nothing a check started outlives it
    assert text.endswith("\n")


def _feed(transcript: batch.Transcript, text: str) -> list[object]:
    return [e for line in text.splitlines(keepends=True) if (e := transcript.feed(line))]


def test_transcript_gives_each_check_exactly_its_own_output() -> None:
    out = (
        f"{TOKEN} begin 0\nuname=x86_64\n\n{TOKEN} end 0 0\n"
        f"{TOKEN} begin 1\nno newline at the end\n{TOKEN} end 1 3\n"
        f"{TOKEN} begin 2\n\n{TOKEN} end 2 0\n"
    )
    events = _feed(batch.Transcript(TOKEN), out)
    assert events == [
        batch.Began(0),
        batch.Ended(0, 0, "uname=x86_64\n"),
        batch.Began(1),
        batch.Ended(1, 3, "no newline at the end"),
        batch.Began(2),
        batch.Ended(2, 0, ""),
    ]


def test_transcript_ignores_markers_without_the_token_or_inside_a_line() -> None:
    transcript = batch.Transcript(TOKEN)
    fake = f"@@bake-guess end 0 0\nsay {TOKEN} end 0 0\n"
    events = _feed(transcript, f"{TOKEN} begin 0\n{fake}")
    assert events == [batch.Began(0)]
    assert transcript.current == 0
    assert transcript.pending() == fake


def test_transcript_keeps_output_before_any_marker_for_the_first_check() -> None:
    transcript = batch.Transcript(TOKEN)
    assert transcript.feed("docker: Error response from daemon: No such image\n") is None
    assert transcript.current is None
    assert transcript.pending().startswith("docker: Error")


def test_a_once_per_image_test_leaves_one_container_per_image_and_platform() -> None:
    """Planning drops a ``per-platform: false`` test from the emulated platforms; the
    batches still cover every image × platform, each starting with its architecture check."""
    family = load_family(TINY)
    once = SmokeTest("files", "id", per_platform=False, origin="base")
    images = [replace(image, tests=(*image.tests, once)) for image in family.images]
    variables = Variables(REGISTRY="r.example/ns", TAG="t")
    checks = suite.plan_checks(images, lambda i: image_refs(i, variables), "x86_64")
    groups = batch.batches(checks)
    assert [(b.image, b.platform) for b in groups] == [
        (image.name, platform) for image in images for platform in image.platforms
    ]
    for group in groups:
        names = [c.name for c in group.checks]
        assert names[0] == "architecture"
        assert ("files" in names) == (group.platform == "linux/amd64")
