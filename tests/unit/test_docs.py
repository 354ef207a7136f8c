"""The documentation: a short README that links every docs/ page, relative links that
resolve (files and anchors), and no list written twice across the pages."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README_LIMIT = 300
REPEAT_MIN = 40

_LINK = re.compile(r"\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def documents(root: Path) -> list[Path]:
    """README.md and every docs/*.md page under ``root``."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)}


def broken_links(root: Path) -> list[str]:
    """Every relative link of README.md and docs/*.md whose file (or heading) is missing."""
    broken = []
    for doc in documents(root):
        text = _FENCE.sub("", doc.read_text(encoding="utf-8"))
        for target in _LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                continue
            file, _, anchor = target.partition("#")
            path = (doc.parent / file).resolve() if file else doc
            if not path.exists():
                broken.append(f"{doc.name}: {target}")
            elif anchor and path.suffix == ".md" and anchor not in anchors(path):
                broken.append(f"{doc.name}: {target} (no such heading)")
    return broken


def unlinked_pages(root: Path) -> list[str]:
    readme = (root / "README.md").read_text(encoding="utf-8")
    linked = {(root / t.partition("#")[0]).resolve() for t in _LINK.findall(readme)}
    return [p.name for p in sorted((root / "docs").glob("*.md")) if p.resolve() not in linked]


def repeated_lines(root: Path) -> dict[str, list[str]]:
    """List items and table rows (outside code blocks) of ≥ REPEAT_MIN characters found in
    more than one file."""
    seen: dict[str, list[str]] = {}
    for doc in documents(root):
        text = _FENCE.sub("", doc.read_text(encoding="utf-8"))
        lines = {line.strip() for line in text.splitlines()}
        for line in lines:
            if len(line) >= REPEAT_MIN and line.startswith(("|", "- ")):
                seen.setdefault(line, []).append(doc.name)
    return {line: files for line, files in seen.items() if len(files) > 1}


def test_the_readme_is_short() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines < README_LIMIT


def test_the_readme_links_every_docs_page() -> None:
    assert list((ROOT / "docs").glob("*.md"))
    assert unlinked_pages(ROOT) == []


def test_every_relative_link_resolves() -> None:
    assert broken_links(ROOT) == []


def test_no_list_is_written_twice() -> None:
    assert repeated_lines(ROOT) == {}


def test_the_checks_catch_a_planted_case(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    row = "| `build-<name>` | one `docker buildx bake <name> --load` for all platforms |"
    (tmp_path / "README.md").write_text(
        "# Us\n\n[cli](docs/cli.md) [gone](docs/gone.md) [bad](docs/cli.md#nowhere)\n"
    )
    (tmp_path / "docs/cli.md").write_text(f"# CLI\n\n{row}\n")
    (tmp_path / "docs/sessions.md").write_text(f"# Sessions\n\n{row}\n[ok](cli.md#cli)\n")
    assert unlinked_pages(tmp_path) == ["sessions.md"]
    assert broken_links(tmp_path) == [
        "README.md: docs/gone.md",
        "README.md: docs/cli.md#nowhere (no such heading)",
    ]
    assert repeated_lines(tmp_path) == {row: ["cli.md", "sessions.md"]}
