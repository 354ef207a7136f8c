"""Write a family file for a test, with a stub Dockerfile (and context folder) for every
image it names: a family's Dockerfiles must exist (bake.model.files), and most tests care about
the YAML, not the files."""

from __future__ import annotations

import textwrap
from pathlib import Path

from bake.core.errors import ConfigError
from bake.model.config import load_config

__all__ = ["stub_files", "write_family", "write_text"]


def stub_files(path: Path) -> None:
    """Create every Dockerfile and context the family file at ``path`` names (nothing for
    a file that does not validate: the test is after its error)."""
    try:
        config = load_config(path)
    except ConfigError:
        return
    specs = [config.base, *config.apps, *config.accelerators]
    pairs = [(spec.dockerfile, spec.context) for spec in specs]
    pairs += [
        (use.dockerfile, use.context or str(Path(use.dockerfile).parent))
        for app in config.apps
        for use in app.accelerators.values()
        if use.dockerfile
    ]
    for dockerfile, context in pairs:
        (config.root / context).mkdir(parents=True, exist_ok=True)
        target = config.root / dockerfile
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.write_text("FROM scratch\n")


def write_family(folder: Path, text: str) -> Path:
    """``folder/family.yaml`` with ``text`` (dedented) and its stub files."""
    path = folder / "family.yaml"
    path.write_text(textwrap.dedent(text))
    stub_files(path)
    return path


def write_text(path: Path, text: str) -> None:
    """``path.write_text(text)`` for a family file, plus its stub Dockerfiles."""
    path.write_text(text)
    stub_files(path)
