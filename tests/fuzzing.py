"""A guard for property tests that could test nothing: a fuzzer whose examples are all
rejected early (an input the code refuses before the part under test) passes, green, having
compared nothing.

A property test takes the ``outcomes`` fixture and records what each example did
(``outcomes.record("generated")`` or ``"rejected"``; each is also a hypothesis ``event``,
so ``--hypothesis-show-statistics`` shows the split). When the test ends, the fixture fails
it unless at least ``MINIMUM`` of its examples reached the comparison (judged from
``JUDGED_FROM`` examples on).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from hypothesis import event

__all__ = ["GENERATED", "JUDGED_FROM", "MINIMUM", "REJECTED", "Outcomes", "outcomes"]

GENERATED = "generated"
REJECTED = "rejected"
MINIMUM = 0.4  # of a property's examples must get as far as the comparison
# Fewer examples than this are not judged: a random handful (the dev profile's 15, say)
# can fall under the share by chance. CI's profile gives every property more, always
# the same ones (derandomize), so there the verdict is stable.
JUDGED_FROM = 30


@dataclass
class Outcomes:
    """What a property's examples did, by name (mutable: one per test, fed per example)."""

    minimum: float = MINIMUM
    counts: Counter[str] = field(default_factory=Counter)

    def record(self, outcome: str) -> None:
        """Count one example (inside a hypothesis test: also its ``event``)."""
        event(outcome)
        self.counts[outcome] += 1

    def problem(self) -> str | None:
        """Why the property tested too little, or None."""
        total = sum(self.counts.values())
        if total == 0:
            return "no example was recorded (outcomes.record was never called)"
        share = self.counts[GENERATED] / total
        if share >= self.minimum or total < JUDGED_FROM:
            return None
        return (
            f"only {self.counts[GENERATED]} of {total} examples ({share:.0%}) were "
            f"{GENERATED}, fewer than {self.minimum:.0%}: the property mostly tests its "
            f"own rejections ({dict(sorted(self.counts.items()))})"
        )


def _outcomes() -> Iterator[Outcomes]:
    tally = Outcomes()
    yield tally
    problem = tally.problem()
    if problem is not None:
        pytest.fail(problem, pytrace=False)


outcomes = pytest.fixture(_outcomes, name="outcomes")
