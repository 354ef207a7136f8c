"""How many ``sha-…`` tags ``prune`` keeps: the family file's top-level ``prune`` key.

    prune:
      keep_sha: 10    # the newest N sha-<commit> tags of every image (default 10)
      keep_days: 0    # and every sha-… tag younger than this many days (0: no age rule)

Read here (shape and values, with file:line errors); used by ``bake.publish.prune``. Release
tags (semver, ``latest``, ``edge``, the family's own ``tags``) are always kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bake.model.yamlsource import Document, KeyPath, read_mapping

__all__ = ["DEFAULT_KEEP_SHA", "Retention", "read_retention"]

DEFAULT_KEEP_SHA = 10


@dataclass(frozen=True, kw_only=True)
class Retention:
    """The family's ``prune:`` section."""

    keep_sha: int = DEFAULT_KEEP_SHA
    keep_days: int = 0


def read_retention(doc: Document, value: Any) -> Retention:
    """Validate the ``prune:`` mapping (``None`` when the key is absent)."""
    if value is None:
        return Retention()
    data = read_mapping(doc, ("prune",), value)
    doc.check_keys(("prune",), data, ("keep_sha", "keep_days"))
    return Retention(
        keep_sha=_count(doc, ("prune", "keep_sha"), data.get("keep_sha", DEFAULT_KEEP_SHA)),
        keep_days=_count(doc, ("prune", "keep_days"), data.get("keep_days", 0)),
    )


def _count(doc: Document, path: KeyPath, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        doc.fail(path, f"expected a whole number >= 0, got {value!r}")
    return value
