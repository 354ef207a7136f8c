"""bake/ is a stack of layers, one folder each; a module imports only its own layer and
the layers its package docstring lists on its ``May import:`` line, so the docstring a
reader sees is the rule this test enforces. A planted upward import shows it can fail."""

from __future__ import annotations

import ast
import re
from pathlib import Path

BAKE = Path(__file__).resolve().parents[2] / "bake"
MAY_IMPORT = re.compile(r"^May import: (.+)\.$", re.M)


def allowed(root: Path) -> dict[str, set[str]]:
    """Each layer → the layers it may import (its own included), from its docstring."""
    rules = {}
    for init in sorted(root.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        found = MAY_IMPORT.search(doc)
        assert found, f"{init}: the docstring needs a 'May import: ….' line"
        names = {n.strip() for n in found.group(1).split(",")} - {"nothing"}
        rules[init.parent.name] = names | {init.parent.name}
    return rules


def imported_layers(path: Path) -> list[tuple[int, str]]:
    """(line, layer) of every ``bake.<layer>`` import, nested and TYPE_CHECKING ones too."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
            if node.module == "bake":
                modules = [f"bake.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        found += [(node.lineno, m.split(".")[1]) for m in modules if m.startswith("bake.")]
    return found


def violations(root: Path) -> list[str]:
    rules = allowed(root)
    problems = [
        f"{path.relative_to(root.parent)}: bake/ holds only layer folders"
        for path in sorted(root.glob("*.py"))
        if path.name not in ("__init__.py", "__main__.py", "nox_sessions.py")  # entry points
    ]
    for layer, may in rules.items():
        for path in sorted((root / layer).glob("*.py")):
            problems += [
                f"{path.relative_to(root.parent)}:{line}: {layer} imports bake.{other}"
                for line, other in imported_layers(path)
                if other not in may and other != "__version__"  # the package's own version
            ]
    return problems


def test_imports_only_go_down_the_layers() -> None:
    assert violations(BAKE) == []


def test_layers_form_a_stack() -> None:
    """No two layers may import each other, even by way of a third."""
    rules = allowed(BAKE)
    for layer, may in rules.items():
        for lower in may - {layer}:
            assert layer not in rules[lower], f"{layer} and {lower} may import each other"


def test_a_planted_upward_import_is_caught(tmp_path: Path) -> None:
    root = tmp_path / "bake"
    for layer, may in (("core", "nothing"), ("model", "core")):
        (root / layer).mkdir(parents=True)
        (root / layer / "__init__.py").write_text(f'"""A layer.\n\nMay import: {may}.\n"""\n')
    (root / "model" / "fine.py").write_text("from bake.core import errors\n")
    (root / "core" / "bad.py").write_text("def f():\n    from bake.model import fine\n")
    (root / "stray.py").write_text("")
    assert violations(root) == [
        "bake/stray.py: bake/ holds only layer folders",
        "bake/core/bad.py:2: core imports bake.model",
    ]
