"""No test patches a module's globals: the code under test takes its side effects as
objects (``Plan.docker``, ``Plan.registries``, the sessions' ``Seams``, parameters with
real defaults), and a test hands in small fakes. Patching a module global would reach
every caller in the process at once and hide a missing seam."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
PATCHERS = {"setattr", "delattr", "patch", "patch.object"}


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _module_names(tree: ast.Module) -> set[str]:
    """The names the file binds to modules (``import x``, ``from pkg import module``)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if _is_module(f"{node.module}.{alias.name}"):
                    names.add(alias.asname or alias.name)
    return names


def _callee(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_callee(node.value)}.{node.attr}".lstrip(".")
    return node.id if isinstance(node, ast.Name) else ""


def patches(source: str, filename: str = "<test>") -> list[str]:
    """Every call in ``source`` that patches a module global, as ``file:line: call``."""
    tree = ast.parse(source, filename)
    modules = _module_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and _callee(target.value) in modules:
                    found.append(f"{filename}:{node.lineno}: {ast.unparse(node)[:80]}")
        if not isinstance(node, ast.Call) or not node.args:
            continue
        callee = _callee(node.func)
        verb = callee.removeprefix("monkeypatch.").removeprefix("mock.")
        if verb not in PATCHERS and callee.rsplit(".", 1)[-1] not in PATCHERS:
            continue
        target = node.args[0]
        by_name = isinstance(target, ast.Name) and target.id in modules
        by_path = isinstance(target, ast.Constant) and isinstance(target.value, str)
        if by_name or by_path:
            found.append(f"{filename}:{node.lineno}: {ast.unparse(node)[:80]}")
    return found


def test_no_test_patches_a_module_global() -> None:
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        found += patches(path.read_text(encoding="utf-8"), str(path.relative_to(TESTS)))
    assert found == [], "pass a fake through a seam instead:\n" + "\n".join(found)


def test_the_guard_sees_each_way_of_patching() -> None:
    planted = """
import os
from bake.core import run
from bake.core.docker import Docker
from unittest import mock

def test(monkeypatch, fake):
    monkeypatch.setattr(run, "run", fake)
    monkeypatch.setattr("bake.core.run.start", fake)
    monkeypatch.delattr(os, "getcwd")
    mock.patch("bake.core.run.run")
    with mock.patch.object(run, "run"):
        pass
    monkeypatch.setattr(fake, "answer", 1)  # an object of the test's own: fine
    monkeypatch.setattr(Docker, "run", fake)  # a class, not a module: not this guard's
    monkeypatch.setenv("BAKE_JOBS", "2")
    run.TIMEOUT_EXIT = 1
    fake.answer = 2
"""
    lines = sorted(int(found.split(":")[1]) for found in patches(planted))
    assert lines == [8, 9, 10, 11, 12, 17]
