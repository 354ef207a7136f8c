"""How an image leaves BuildKit: an OCI layout tar with its timestamps pinned, loaded into
the local image store for the smoke tests and later uploaded as it is.

``--load`` would be simpler, but BuildKit cannot rewrite file timestamps while unpacking
into the image store (moby/buildkit#4230); ``type=oci,rewrite-timestamp=true`` can, and
``docker load`` keeps the tar's index digest, so the image id proves that what the
tests run is the tar.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from bake.build import reuse
from bake.core import options
from bake.core.docker import Docker
from bake.core.errors import PipelineError
from bake.publish import readback
from bake.publish.ocitar import open_layout, platform_manifests

__all__ = ["OCI_OPTIONS", "load", "source_date_epoch"]

OCI_OPTIONS = "rewrite-timestamp=true"


def source_date_epoch(env: Mapping[str, str]) -> str:
    """``SOURCE_DATE_EPOCH`` from the environment, else ``DEFAULT_EPOCH``.

    Why a fixed default and not the commit time: BuildKit keys the cache of ``WORKDIR``
    (and everything after it) on the epoch, so an epoch that moves with every commit would
    rebuild every image on every commit; and it only clamps timestamps newer than the
    epoch, so a past, fixed one makes every build of the same source agree byte for byte.
    """
    return options.value(options.EPOCH, env=env)


def load(docker: Docker, tar: Path, ref: str) -> reuse.Verified:
    """Load the image tar; the loaded image must be the tar's index (what gets uploaded).

    Returns what was loaded (index and platform manifests), for ``bake.build.reuse``."""
    docker.run(["docker", "load", "--quiet", "--input", str(tar)], capture=True)
    with open_layout(tar) as layout:
        loaded = readback.local_digest(ref, docker.capture)
        if loaded != layout.index.digest:
            raise PipelineError(f"{ref}: loaded as {loaded}, but {tar} holds {layout.index.digest}")
        manifests = platform_manifests(json.loads(layout.index.body))
        return reuse.Verified(image="", index=loaded, manifests=manifests, probe={}, inputs="")
