"""Write the bake document's HCL directly: the text python-hcl2 makes of it, ~20× faster.

``hcl2.dumps`` builds a full syntax tree, formats it and reconstructs text token by token;
on a 600-target family that is about 1 s, most of ``python -m bake generate``. The bake
document only ever holds blocks with one label whose attributes are pre-rendered HCL
(quoted literals or expressions), lists and string maps, so its text can be written
straight away in the layout python-hcl2 uses: two-space indents, one element per line
with a trailing comma, ``=`` aligned within a block and within an object.

python-hcl2 stays the reference: tests/unit/emit/test_hcl.py renders the reference family,
the fixtures and random families both ways and requires the same bytes.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BLOCK_MARKER", "dumps"]

BLOCK_MARKER = "__is_block__"  # python-hcl2's key marking a dict as a block body
_INDENT = "  "


def dumps(data: dict[str, list[dict[str, dict[str, Any]]]]) -> str:
    """``{kind: [{label: body}]}`` as HCL, blocks separated by one blank line.

    Labels, keys and string values arrive already rendered (quoted and escaped, or a bare
    expression); this only lays them out. The text has no trailing newline, like
    python-hcl2's output after blank-line runs are collapsed and the ends stripped.
    """
    blocks = [
        _block(kind, label, body)
        for kind, items in data.items()
        for item in items
        for label, body in item.items()
    ]
    return "\n\n".join(blocks)


def _block(kind: str, label: str, body: dict[str, Any]) -> str:
    attributes = [(k, v) for k, v in body.items() if k != BLOCK_MARKER]
    if not attributes:
        return f"{kind} {label} {{\n\n}}"
    width = max(len(name) for name, _ in attributes)
    lines = [f"{_INDENT}{name.ljust(width)} = {_value(v, 2)}\n" for name, v in attributes]
    return f"{kind} {label} {{\n{''.join(lines)}}}"


def _value(value: Any, level: int) -> str:
    """A value whose first line continues the current one; ``level`` is its own indent."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        if not value:
            return "[]"
        inner = _INDENT * level
        items = "".join(f"{inner}{_value(v, level + 1)},\n" for v in value)
        return f"[\n{items}{_INDENT * (level - 1)}]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = _INDENT * level
        width = max(len(key) for key in value)
        items = "".join(
            f"{inner}{key.ljust(width)} = {_value(v, level + 1)},\n" for key, v in value.items()
        )
        return f"{{\n{items}{_INDENT * (level - 1)}}}"
    raise TypeError(f"cannot write {value!r} as HCL")
