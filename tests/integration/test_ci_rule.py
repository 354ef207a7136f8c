"""One CI rule (tests/ci.py) for every test that needs a host tool, and nox's view of a
bad family file."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import buildx, ci

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent


@pytest.mark.parametrize("value", ["1", "true", "yes", "TRUE", "Yes", " true "])
def test_ci_values(value: str) -> None:
    assert ci.in_ci({"CI": value})


@pytest.mark.parametrize("value", ["", "0", "false", "no", "off"])
def test_not_ci_values(value: str) -> None:
    assert not ci.in_ci({"CI": value})
    assert not ci.in_ci({})


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_missing_tools_fail_under_ci(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", value)
    monkeypatch.setenv("PATH", "/nonexistent")
    requirements = {
        "perl": lambda: ci.require_tool("perl"),
        "nox": lambda: ci.require_tool("nox"),
        "buildx": buildx.require_buildx,
    }
    for name, require in requirements.items():
        with pytest.raises(pytest.fail.Exception):
            try:
                require()
            except pytest.skip.Exception as exc:  # a skip would hide the failure
                raise AssertionError(f"{name}: skipped under CI={value}: {exc}") from None


def test_missing_tools_skip_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    for require in (lambda: ci.require_tool("perl"), buildx.require_buildx):
        with pytest.raises(pytest.skip.Exception):
            require()


def _reads_ci(node: ast.AST) -> bool:
    """``os.environ.get("CI")``, ``os.getenv("CI")`` or ``os.environ["CI"]``."""
    if isinstance(node, ast.Call) and node.args:
        func = ast.unparse(node.func)
        first = node.args[0]
        is_ci = isinstance(first, ast.Constant) and first.value == "CI"
        return is_ci and (func.endswith("environ.get") or func.endswith("getenv"))
    if isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("environ"):
        return isinstance(node.slice, ast.Constant) and node.slice.value == "CI"
    return False


# The rule itself: where skips and CI lookups may live (paths relative to tests/).
ALLOWED = {"ci.py", "conftest.py", "integration/test_ci_rule.py", "unit/test_conftest.py"}
SKIPS = ("pytest.skip", "pytest.mark.skipif", "pytest.importorskip")


def offenders(tests: Path) -> set[str]:
    """Every skip or CI lookup outside ALLOWED, in every .py file under ``tests`` (all
    folders deep)."""
    found: set[str] = set()
    for path in sorted(tests.rglob("*.py")):
        name = path.relative_to(tests).as_posix()
        if name in ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, (ast.Attribute, ast.Call)):
                text = ast.unparse(node.func if isinstance(node, ast.Call) else node)
                if text in SKIPS:
                    found.add(f"{name}:{node.lineno}: {text}")
            if _reads_ci(node):
                found.add(f"{name}:{getattr(node, 'lineno', 0)}: reads CI itself")
    return found


def test_no_test_skips_around_the_rule() -> None:
    """skipif, pytest.skip and CI lookups live in tests/ci.py (and the docker hook of
    conftest.py), so no test can skip under CI by its own rule."""
    found = offenders(TESTS)
    assert not found, "use tests.ci.unavailable/require_tool: " + ", ".join(sorted(found))
    scanned = {p.relative_to(TESTS).as_posix() for p in TESTS.rglob("*.py")}
    assert {"unit/build/test_host.py", "integration/test_fuzz_family.py"} <= scanned


SKIPPING_TEST = """\
import os

import pytest


def test_needs_a_tool() -> None:
    if os.environ.get("CI"):
        pytest.skip("no tool here")
"""


def test_the_rule_catches_a_skip_in_a_subfolder(tmp_path: Path) -> None:
    """Planted: a test deep in a subfolder that skips under CI=true. pytest calls it a
    skip, not a failure (exit 0: green); the rule names the file, line and call."""
    tests = tmp_path / "tests"
    planted = tests / "integration" / "deeper" / "test_planted.py"
    planted.parent.mkdir(parents=True)
    planted.write_text(SKIPPING_TEST)
    (tests / "test_top.py").write_text("def test_ok() -> None:\n    assert True\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", str(tests)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "CI": "true"},
    )
    assert proc.returncode == 0 and "1 passed, 1 skipped" in proc.stdout, proc.stdout
    assert offenders(tests) == {
        "integration/deeper/test_planted.py:7: reads CI itself",
        "integration/deeper/test_planted.py:8: pytest.skip",
    }


def test_nox_shows_a_bad_family_file_as_one_line(tmp_path: Path) -> None:
    ci.require_tool("nox")
    bad = tmp_path / "family.yaml"
    bad.write_text("base:\n  description: x\napps:\n  a:\n    descrption: y\n")
    env = {**os.environ, "BAKE_CONFIG": str(bad)}
    for args in (["-l"], ["-s", "check"]):
        proc = subprocess.run(
            ["nox", "-f", str(ROOT / "noxfile.py"), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr + proc.stdout
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert proc.stderr.startswith(
            f"{bad}:5: error at apps.a.descrption: unknown key 'descrption'; did you mean "
            "'description'?"
        ), proc.stderr
        same = subprocess.run(
            [sys.executable, "-m", "bake", "--config", str(bad), "list"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert proc.stderr == same.stderr  # the same one line as python -m bake
    assert shutil.which("nox")


def test_a_run_that_collects_no_test_fails() -> None:
    """pytest exits 5 when nothing is collected (a wrong path, a marker that selects
    nothing): `nox -s tests`, and so .ci/run, fails instead of passing on zero tests."""
    ci.require_tool("nox")
    proc = subprocess.run(
        ["nox", "-s", "tests", "--", "tests/unit/build/test_host.py", "-k", "no_such_test"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode != 0, proc.stderr
    assert "failed with exit code 5" in proc.stderr, proc.stderr
    assert "Session tests failed." in proc.stderr
