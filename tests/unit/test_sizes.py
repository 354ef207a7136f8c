"""No module of bake/ over 300 lines and no function over 50: a reader takes in a module,
and a function, at a sitting. A planted long function shows the check can fail."""

from __future__ import annotations

import ast
from pathlib import Path

BAKE = Path(__file__).resolve().parents[2] / "bake"
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 50


def too_long(source: str, name: str) -> list[str]:
    """``name: N lines`` for the module, and ``name:line function: N lines`` for each
    function (methods and nested ones included), over the limits."""
    found = []
    lines = len(source.splitlines())
    if lines > MAX_MODULE_LINES:
        found.append(f"{name}: {lines} lines")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(f"{name}:{node.lineno} {node.name}: {length} lines")
    return found


def test_no_module_or_function_is_too_long() -> None:
    found = []
    for path in sorted(BAKE.rglob("*.py")):
        found += too_long(path.read_text(encoding="utf-8"), str(path.relative_to(BAKE)))
    assert found == []


def test_a_planted_long_function_is_caught() -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))
    assert too_long(f"def long():\n{body}", "planted.py") == ["planted.py:1 long: 51 lines"]
    assert too_long("x = 1\n" * 301, "big.py") == ["big.py: 301 lines"]
