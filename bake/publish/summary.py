"""Markdown summaries for CI pages: the smoke-test table and the pushed refs.

GitHub Actions shows whatever a step appends to the file named by ``$GITHUB_STEP_SUMMARY``
on the run's page; anything else (a local run) has no such variable and gets nothing.
The terminal report stays ``bake.report``'s; this renders the same facts as Markdown.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from bake.publish.readback import Verdict
from bake.smoke.report import cells
from bake.smoke.suite import Outcome

__all__ = [
    "STEP_SUMMARY",
    "append_step_summary",
    "failure_markdown",
    "refs_markdown",
    "smoke_markdown",
]

STEP_SUMMARY = "GITHUB_STEP_SUMMARY"
OUTPUT_TAIL = 1500  # characters of a failed check's output shown in the summary


def _cell(text: str) -> str:
    """One table cell: pipes escaped, newlines flattened."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _row(cells_text: Sequence[str]) -> str:
    return "| " + " | ".join(_cell(text) for text in cells_text) + " |"


def smoke_markdown(outcomes: Sequence[Outcome], title: str = "Smoke tests") -> str:
    """A heading, the image × platform table (✅/❌ and seconds), each failure folded."""
    table = cells(outcomes)
    images = list(dict.fromkeys(c.image for c in table))
    platforms = list(dict.fromkeys(c.platform for c in table))
    by_key = {(c.image, c.platform): c for c in table}
    lines = [f"### {title}", "", _row(["image", *platforms]), _row(["---"] * (len(platforms) + 1))]
    for image in images:
        row = [f"`{image}`"]
        for platform in platforms:
            cell = by_key.get((image, platform))
            if cell is None:
                row.append("–")
            else:
                failed = ", ".join(o.check.name for o in cell.failed)
                mark = "✅ pass" if cell.passed else f"❌ **FAIL** ({failed})"
                row.append(f"{mark} {cell.seconds:.1f}s")
        lines.append(_row(row))
    for cell in table:
        for outcome in cell.failed:
            output = outcome.output.rstrip("\n")[-OUTPUT_TAIL:] or "(no output)"
            lines += [
                "",
                f"<details><summary>❌ {cell.image} on {cell.platform}: "
                f"{outcome.check.name}: {outcome.reason}</summary>",
                "",
                "```",
                output.replace("```", "` ` `"),
                "```",
                "</details>",
            ]
    passed = sum(c.passed for c in table)
    lines += [
        "",
        f"{passed} of {len(table)} image × platform cells passed, {len(outcomes)} checks.",
    ]
    return "\n".join(lines) + "\n"


def refs_markdown(verdicts: Sequence[Verdict], title: str = "Pushed") -> str:
    """Every pushed name:tag with its index digest and whether the read-back agreed."""
    lines = [f"### {title}", "", _row(["", "ref", "digest"]), _row(["---"] * 3)]
    for verdict in verdicts:
        mark = "✅" if verdict.ok else "❌ " + "; ".join(verdict.problems)
        lines.append(_row([mark, f"`{verdict.ref}`", f"`{verdict.digest or '-'}`"]))
    return "\n".join(lines) + "\n"


def failure_markdown(title: str, message: str) -> str:
    """A heading and the error message, as it was printed."""
    return f"### ❌ {title}\n\n```\n{message.replace('```', '` ` `')}\n```\n"


def append_step_summary(markdown: str, env: Mapping[str, str] | None = None) -> bool:
    """Append to ``$GITHUB_STEP_SUMMARY`` when it is set; True if something was written."""
    path = (os.environ if env is None else env).get(STEP_SUMMARY)
    if not path:
        return False
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(markdown + "\n")
    return True
