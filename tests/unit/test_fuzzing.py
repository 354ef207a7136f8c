"""tests/fuzzing.py: the guard that fails a property test whose examples are mostly
rejected, shown on a planted dead fuzzer run by a real pytest."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.fuzzing import GENERATED, JUDGED_FROM, MINIMUM, REJECTED, Outcomes

ROOT = Path(__file__).resolve().parents[2]


def test_the_share_of_generated_examples_decides() -> None:
    assert MINIMUM == 0.4 and JUDGED_FROM == 30
    assert Outcomes(counts=Counter({GENERATED: 20, REJECTED: 30})).problem() is None
    problem = Outcomes(counts=Counter({GENERATED: 10, REJECTED: 20})).problem()
    assert problem is not None
    assert problem.startswith("only 10 of 30 examples (33%) were generated, fewer than 40%")
    assert Outcomes(counts=Counter({GENERATED: 1, REJECTED: 28})).problem() is None  # too few
    assert "no example was recorded" in str(Outcomes().problem())


PLANTED = """\
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETTINGS = settings(
    max_examples=40,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@SETTINGS
@given(n=st.integers())
def test_dead(outcomes, n):
    # Like the family fuzzer before its stub Dockerfiles: every example refused early.
    outcomes.record("rejected")


@SETTINGS
@given(n=st.integers())
def test_alive(outcomes, n):
    outcomes.record("generated" if sum(outcomes.counts.values()) % 2 else "rejected")
"""


def test_a_dead_fuzzer_fails_and_a_live_one_passes(tmp_path: Path) -> None:
    """Planted: a property whose every example is rejected passes on its own (no assert
    fails); with the outcomes fixture the run fails, naming it and the share."""
    (tmp_path / "conftest.py").write_text("from tests.fuzzing import outcomes  # noqa: F401\n")
    (tmp_path / "test_planted.py").write_text(PLANTED)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    out = proc.stdout
    assert proc.returncode == 1, out
    assert "2 passed, 1 error" in out, out
    assert "ERROR test_planted.py::test_dead - Failed: only 0 of 40 examples (0%)" in out, out
    assert "PASSED test_planted.py::test_alive" in out, out
