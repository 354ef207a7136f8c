"""bake.smoke.suite: which checks run where, the docker command, and how outputs are judged."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bake.core import run
from bake.model import platforms
from bake.model.family import load_family
from bake.model.naming import Variables, image_refs
from bake.smoke import suite

TINY = Path(__file__).parents[2] / "fixtures" / "tiny" / "family.yaml"


@pytest.fixture
def checks() -> tuple[suite.Check, ...]:
    family = load_family(TINY)
    variables = Variables(REGISTRY="r.example/ns", TAG="t")
    return suite.plan_checks(family.images, lambda image: image_refs(image, variables))


def test_every_image_and_platform_gets_the_architecture_check_then_its_tests(
    checks: tuple[suite.Check, ...],
) -> None:
    cells = [(c.image, c.platform, c.name) for c in checks]
    assert cells[:4] == [
        ("base", "linux/amd64", "architecture"),
        ("base", "linux/amd64", "marker"),
        ("base", "linux/arm64", "architecture"),
        ("base", "linux/arm64", "marker"),
    ]
    turbo = [(p, n) for image, p, n in cells if image == "turbo-hello"]
    assert turbo == [
        (p, n)
        for p in ("linux/amd64", "linux/arm64")  # not arm/v7: the accelerator excludes it
        for n in ("architecture", "marker", "greet", "turbo")
    ]
    assert len(checks) == 3 * 2 + 3 * 3 + 2 * 4


def test_inherited_tests_remember_where_they_came_from(checks: tuple[suite.Check, ...]) -> None:
    greet = next(c for c in checks if c.image == "turbo-hello" and c.name == "greet")
    assert greet.origin == "hello"
    assert greet.ref == "r.example/ns/turbo-hello:t"


@pytest.mark.parametrize(
    ("platform", "output", "passes"),
    [
        ("linux/amd64", "uname=x86_64 dpkg=amd64\n", True),
        ("linux/arm64", "uname=aarch64 dpkg=arm64\n", True),
        ("linux/arm/v7", "uname=armv7l dpkg=armhf\n", True),
        ("linux/arm/v7", "uname=aarch64 dpkg=armhf\n", False),  # wrong emulator
        ("linux/arm64", "uname=x86_64 dpkg=amd64\n", False),  # ran natively: wrong image
    ],
)
def test_architecture_check(platform: str, output: str, passes: bool) -> None:
    check = suite.arch_check("base", platform, "ref")
    assert suite.judge(check, 0, output, 1.0).passed is passes


def test_judge_reasons() -> None:
    check = suite.Check("base", "linux/amd64", "ref", "version", "x --version", expect=r"X \d+")
    assert suite.judge(check, 0, "X 12\n", 0.5).passed
    assert suite.judge(check, 1, "X 12\n", 0.5).reason == "exit code 1"
    assert suite.judge(check, 0, "Y 12\n", 0.5).reason == r"output does not match /X \d+/"
    assert suite.judge(check, run.TIMEOUT_EXIT, "", 9.0).reason == "timed out"
    no_expect = suite.Check("base", "linux/amd64", "ref", "t", "true")
    assert suite.judge(no_expect, 0, "", 0.1).passed


def test_judge_keeps_the_tail_of_long_output() -> None:
    check = suite.Check("base", "linux/amd64", "ref", "t", "true")
    outcome = suite.judge(check, 1, "x" * 10_000 + "END", 0.1)
    assert outcome.output.endswith("END") and len(outcome.output) <= suite.OUTPUT_LIMIT + 1


def test_every_known_architecture_has_an_anchored_pattern() -> None:
    for platform in platforms.names():
        pattern = suite.arch_check("i", platform, "r").expect
        assert pattern is not None and re.compile(pattern)


def _family_with_once_tests(tmp_path: Path) -> Path:
    """The tiny family with two more base tests: one per platform, one not."""
    shutil.copytree(TINY.parent, tmp_path / "tiny")
    path = tmp_path / "tiny" / "family.yaml"
    marker = "  tests:\n    - name: marker\n"
    text = path.read_text(encoding="utf-8")
    assert marker in text
    added = (
        "    - {name: cpu, run: 'uname -m'}\n    - {name: files, run: id, per-platform: false}\n"
    )
    path.write_text(text.replace(marker, "  tests:\n" + added + marker[9:], 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("machine", "once"),
    [("x86_64", "linux/amd64"), ("aarch64", "linux/arm64"), ("riscv64", "linux/amd64")],
)
def test_a_test_that_is_not_per_platform_runs_once_per_image_on_the_native_platform(
    tmp_path: Path, machine: str, once: str
) -> None:
    family = load_family(_family_with_once_tests(tmp_path))
    variables = Variables(REGISTRY="r.example/ns", TAG="t")
    checks = suite.plan_checks(family.images, lambda i: image_refs(i, variables), machine)
    for image in family.images:
        mine = [(c.platform, c.name) for c in checks if c.image == image.name]
        # every image × platform keeps its architecture check and every per-platform test
        for platform in image.platforms:
            assert (platform, "architecture") in mine
            assert (platform, "cpu") in mine
        assert [p for p, n in mine if n == "files"] == [once]  # inherited: once as well


def test_once_platform_prefers_native_else_first() -> None:
    assert suite.once_platform(("linux/arm/v7", "linux/arm64"), "aarch64") == "linux/arm64"
    assert suite.once_platform(("linux/arm64", "linux/amd64"), "x86_64") == "linux/amd64"
    assert suite.once_platform(("linux/arm/v7", "linux/arm64"), "x86_64") == "linux/arm/v7"


def test_tests_run_on_every_platform_by_default(checks: tuple[suite.Check, ...]) -> None:
    family = load_family(TINY)
    assert all(t.per_platform for image in family.images for t in image.tests)
    assert len(checks) == 3 * 2 + 3 * 3 + 2 * 4  # unchanged: every test on every platform
