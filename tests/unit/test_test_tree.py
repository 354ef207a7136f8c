"""Where tests live: unit tests (no Docker, no buildx) in tests/unit, tests that need Docker
or buildx in tests/integration; nothing at the top of tests/ but shared helpers. A unit
test of ``bake/<layer>/<module>.py`` is ``tests/unit/<layer>/test_<module>[_aspect].py``."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
NEEDS_DOCKER = re.compile(r"mark\.docker|mark\.e2e|require_buildx|bake_print")


def test_every_test_module_is_in_unit_or_integration() -> None:
    stray = sorted(p.name for p in TESTS.glob("test_*.py"))
    assert stray == [], f"move these into tests/unit or tests/integration: {stray}"


def test_unit_tests_need_no_docker() -> None:
    for path in sorted((TESTS / "unit").rglob("test_*.py")):
        if path.name in ("test_conftest.py", Path(__file__).name):  # they only name the markers
            continue
        assert not NEEDS_DOCKER.search(path.read_text()), f"{path.name} belongs in integration"


def test_integration_tests_need_docker() -> None:
    for path in sorted((TESTS / "integration").glob("test_*.py")):
        assert NEEDS_DOCKER.search(path.read_text()), f"{path.name} belongs in unit"


def test_unit_tests_mirror_the_package() -> None:
    """Every test module in a layer folder names a module of that layer."""
    bake = TESTS.parent / "bake"
    for path in sorted((TESTS / "unit").glob("*/test_*.py")):
        layer = path.parent.name
        assert (bake / layer).is_dir(), f"tests/unit/{layer}: bake/ has no layer {layer!r}"
        modules = [m.stem for m in (bake / layer).glob("*.py")]
        stem = path.stem.removeprefix("test_")
        assert any(stem == m or stem.startswith(f"{m}_") for m in modules), (
            f"{path.relative_to(TESTS)} names no module of bake/{layer}/ "
            "(test_<module>.py or test_<module>_<aspect>.py)"
        )
