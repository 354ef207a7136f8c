"""Where tests live: unit tests (no Docker, no buildx) in tests/unit, tests that need Docker
or buildx in tests/integration; nothing at the top of tests/ but shared helpers."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
NEEDS_DOCKER = re.compile(r"mark\.docker|mark\.e2e|require_buildx|bake_print")


def test_every_test_module_is_in_unit_or_integration() -> None:
    stray = sorted(p.name for p in TESTS.glob("test_*.py"))
    assert stray == [], f"move these into tests/unit or tests/integration: {stray}"


def test_unit_tests_need_no_docker() -> None:
    for path in sorted((TESTS / "unit").glob("test_*.py")):
        if path.name in ("test_conftest.py", Path(__file__).name):  # they only name the markers
            continue
        assert not NEEDS_DOCKER.search(path.read_text()), f"{path.name} belongs in integration"


def test_integration_tests_need_docker() -> None:
    for path in sorted((TESTS / "integration").glob("test_*.py")):
        assert NEEDS_DOCKER.search(path.read_text()), f"{path.name} belongs in unit"
