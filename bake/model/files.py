"""The files a family file names must exist: a missing Dockerfile or build context is a
validation error (file, line, key path), not a build failure minutes later.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bake.model.specs import Config, ImageSpec
from bake.model.yamlsource import Document, KeyPath, render_path

__all__ = ["check_files"]


def check_files(config: Config) -> None:
    """Every Dockerfile and build context exists (a missing one fails here, not in a build)."""
    doc = config.document
    if doc is None:
        return
    images: list[tuple[KeyPath, ImageSpec]] = [(("base",), config.base)]
    images += [(("apps", app.name), app) for app in config.apps]
    images += [(("accelerators", spec.name), spec) for spec in config.accelerators]
    for path, spec in images:
        if (
            not spec.dockerfile
        ):  # built from packages by the shared Dockerfile (bake.model.packages)
            continue
        _check_file(doc, config.root, (*path, "dockerfile"), spec.dockerfile, folder=False)
        _check_file(doc, config.root, (*path, "context"), spec.context, folder=True)
    for app in config.apps:
        for name, use in app.accelerators.items():
            where = ("apps", app.name, "accelerators", name)
            if use.dockerfile:
                _check_file(doc, config.root, (*where, "dockerfile"), use.dockerfile, folder=False)
            if use.context:
                _check_file(doc, config.root, (*where, "context"), use.context, folder=True)


def _check_file(doc: Document, root: Path, path: KeyPath, relative: str, folder: bool) -> None:
    target = root / relative
    if target.is_dir() if folder else target.is_file():
        return
    what = "build context folder" if folder else "Dockerfile"
    source = ""
    if not _written(doc.data, path):
        default = "the Dockerfile's folder" if folder else "the folder `layout` gives"
        source = f" (the default: {default}; set {render_path(path)} or `layout`)"
    doc.fail(path, f"{what} {relative!r} does not exist{source}")


def _written(data: Any, path: KeyPath) -> bool:
    """Whether the family file itself has a value at ``path`` (not a default)."""
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True
