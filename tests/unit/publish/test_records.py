"""Stage records (bake.publish.records): the file format, and which attempt of a re-run counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bake.core.errors import PipelineError
from bake.publish.records import FAILED, Record, latest, problems, read_records, write_records


def record(platform: str, attempt: int = 1, status: str = "passed", digest: str = "d1") -> Record:
    return Record(
        image="hello",
        platform=platform,
        repository="r/hello",
        digest=digest if status == "passed" else "",
        tested="t",
        status=status,
        attempt=attempt,
    )


def test_records_round_trip_with_their_attempt(tmp_path: Path) -> None:
    write_records(tmp_path / "a", [record("linux/amd64", attempt=3)])
    assert json.loads((tmp_path / "a" / "hello@linux-amd64.json").read_text())["attempt"] == 3
    assert read_records(tmp_path) == [record("linux/amd64", attempt=3)]


def test_a_record_without_an_attempt_is_the_first(tmp_path: Path) -> None:
    data = {
        "image": "hello",
        "platform": "linux/amd64",
        "repository": "r/hello",
        "digest": "d1",
        "tested": "t",
        "status": "passed",
    }
    (tmp_path / "hello@linux-amd64.json").write_text(json.dumps(data))
    assert read_records(tmp_path)[0].attempt == 1


@pytest.mark.parametrize("attempt", [0, -1, "x", None, True, 1.5])
def test_a_bad_attempt_is_not_a_record(tmp_path: Path, attempt: object) -> None:
    data = {**json.loads(json.dumps(record("linux/amd64").__dict__)), "attempt": attempt}
    (tmp_path / "hello@linux-amd64.json").write_text(json.dumps(data))
    with pytest.raises(PipelineError, match="not a stage record"):
        read_records(tmp_path)


def test_only_the_latest_attempt_of_each_image_and_platform_counts() -> None:
    amd = record("linux/amd64")  # attempt 1 passed: not re-run
    arm_failed = record("linux/arm/v7", status=FAILED)
    arm_passed = record("linux/arm/v7", attempt=2, digest="d2")
    records = [arm_failed, amd, arm_passed]
    assert latest(records) == [amd, arm_passed]
    expected = {"hello": ("linux/amd64", "linux/arm/v7")}
    assert problems(expected, records)  # all attempts at once: the failure still counts
    assert problems(expected, latest(records)) == []


def test_a_later_failed_attempt_wins_over_an_earlier_pass() -> None:
    records = [record("linux/arm/v7"), record("linux/arm/v7", attempt=2, status=FAILED)]
    assert latest(records) == [records[1]]
    assert problems({"hello": ("linux/arm/v7",)}, latest(records)) == [
        "hello on linux/arm/v7: failed (its stage did not pass)"
    ]
