"""The generated files on disk: what they should say, writing them atomically, and
telling the user how the committed ones differ (``check``).

Writes go to a temporary file in the same folder and are renamed into place only after
every file has rendered, so an error leaves the old files untouched.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path

from bake.core.errors import BakeError
from bake.emit.document import render_hcl, render_json
from bake.emit.graph import Block, readme_blocks, update_blocks
from bake.model.family import Family
from bake.model.schema import SCHEMA_NAME
from bake.model.schema_json import render_json_schema

__all__ = [
    "HCL_NAME",
    "JSON_NAME",
    "DOCUMENTS",
    "README_NAME",
    "SCHEMA_NAME",
    "expected_files",
    "stale_files",
    "write_files",
]

HCL_NAME = "docker-bake.hcl"
JSON_NAME = "docker-bake.json"
README_NAME = "README.md"

DOCUMENTS = (README_NAME, "docs/family-file.md", "docs/platforms.md", "docs/cli.md")
"""The Markdown files, relative to the family file's folder, whose generated blocks
``generate`` renews: in each, every block whose two markers it has (the graph, the schema
table, the platform table; see ``bake.emit.graph.readme_blocks``; and the blocks a caller
adds, like the front layer's table of verbs). A file that is missing, or has no markers,
is left alone."""


def expected_files(
    family: Family, config_path: Path, extra: tuple[Block, ...] = ()
) -> dict[Path, str]:
    """Path → text of every generated file, next to the family YAML: both bake files, the
    family file's JSON Schema (for editors), and every document of ``DOCUMENTS`` that has
    generated-block markers, with those blocks renewed. ``extra``: blocks rendered by a
    higher layer (the CLI's verb table), which this layer cannot import."""
    root = family.root
    source = _display(config_path, root)
    files = {
        root / HCL_NAME: render_hcl(family, source),
        root / JSON_NAME: render_json(family),
        root / SCHEMA_NAME: render_json_schema(),
    }
    blocks = (*readme_blocks(family), *extra)
    for name in DOCUMENTS:
        text = _read(root / name)
        updated = update_blocks(text, blocks) if text is not None else None
        if updated is not None:
            files[root / name] = updated
    return files


def write_files(files: dict[Path, str]) -> list[Path]:
    """Write every file atomically; returns the ones whose content changed. Any failure
    (an output path that is a folder, a full disk) leaves no file changed or half-written
    and no temporary file behind."""
    current = None
    try:
        changed = [path for path, text in files.items() if _read(path) != text]
        staged: list[tuple[Path, Path]] = []
        try:
            for current in changed:
                fd, name = tempfile.mkstemp(prefix=f".{current.name}.", dir=current.parent)
                staged.append((Path(name), current))
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                    handle.write(files[current])
                os.chmod(name, 0o644)
            for temporary, current in staged:
                os.replace(temporary, current)
        finally:
            for temporary, _ in staged:
                temporary.unlink(missing_ok=True)
    except (OSError, UnicodeError) as exc:
        if isinstance(exc, OSError) and exc.strerror:
            where, reason = exc.filename or current, exc.strerror
        else:
            where, reason = current, str(exc)
        raise BakeError(f"cannot write {where}: {reason}") from None
    return changed


def stale_files(files: dict[Path, str]) -> dict[Path, str]:
    """Path → unified diff (committed → expected) for every file that is out of date."""
    diffs: dict[Path, str] = {}
    for path, text in files.items():
        current = _read(path)
        if current == text:
            continue
        diff = difflib.unified_diff(
            (current or "").splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=f"{path.name} (on disk)" if current is not None else f"{path.name} (missing)",
            tofile=f"{path.name} (generated)",
        )
        diffs[path] = "".join(diff)
    return diffs


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return None


def _display(config_path: Path, root: Path) -> str:
    try:
        return config_path.resolve().relative_to(root).as_posix()
    except ValueError:
        return config_path.name
