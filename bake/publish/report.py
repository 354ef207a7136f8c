"""The push verdicts as text: one line per pushed reference, its problems below it."""

from __future__ import annotations

from collections.abc import Sequence

from bake.publish.readback import Verdict


def render_verdicts(verdicts: Sequence[Verdict]) -> str:
    """One line per pushed ref (ok/FAIL, digest), each problem indented below it."""
    lines = []
    for verdict in verdicts:
        lines.append(f"{'ok  ' if verdict.ok else 'FAIL'}  {verdict.ref}  {verdict.digest or '-'}")
        lines += [f"      {problem}" for problem in verdict.problems]
    return "\n".join(lines)
