"""The reference rendering of bake.emit.hcl's writer: python-hcl2's ``dumps`` (a test oracle;
nothing at run time imports hcl2)."""

from __future__ import annotations

from typing import Any

import hcl2


def hcl2_dumps(data: dict[str, list[dict[str, dict[str, Any]]]]) -> str:
    """python-hcl2's ``dumps``, blank-line runs collapsed (what ``hcl.dumps`` must equal).

    ``render_hcl`` uses ``bake.emit.hcl.dumps`` instead (the same bytes,
    tests/unit/emit/test_hcl.py).
    """
    text: str = hcl2.dumps(data)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()
