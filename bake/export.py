"""How an image leaves BuildKit: an OCI layout tar with its timestamps pinned, loaded into
the local image store for the smoke tests and later uploaded as it is.

``--load`` would be simpler, but BuildKit cannot rewrite file timestamps while unpacking
into the image store (moby/buildkit#4230); ``type=oci,rewrite-timestamp=true`` can, and
``docker load`` keeps the tar's index digest, so the image id proves that what the
tests run is the tar.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bake import registry, run
from bake.errors import ConfigError, PipelineError
from bake.layout import open_layout

__all__ = ["OCI_OPTIONS", "load", "source_date_epoch"]

OCI_OPTIONS = "rewrite-timestamp=true"


def source_date_epoch(root: Path, env: Mapping[str, str]) -> str:
    """``SOURCE_DATE_EPOCH`` from the environment, else the commit time of ``root``'s HEAD
    (empty outside a git checkout): build timestamps then depend on the source only."""
    text = env.get("SOURCE_DATE_EPOCH", "")
    if text:
        if not text.isdigit():
            raise ConfigError("environment", "SOURCE_DATE_EPOCH", f"expected seconds, got {text!r}")
        return text
    proc = run.run(
        ["git", "-C", str(root), "log", "-1", "--format=%ct"], capture=True, check=False, echo=False
    )
    stamp = (proc.stdout or "").strip()
    return stamp if proc.returncode == 0 and stamp.isdigit() else ""


def load(tar: Path, ref: str) -> None:
    """Load the image tar; the loaded image must be the tar's index (what gets uploaded)."""
    run.run(["docker", "load", "--quiet", "--input", str(tar)], capture=True)
    with open_layout(tar) as layout:
        loaded = registry.local_digest(ref)
        if loaded != layout.index.digest:
            raise PipelineError(f"{ref}: loaded as {loaded}, but {tar} holds {layout.index.digest}")
