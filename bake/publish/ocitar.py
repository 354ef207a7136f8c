"""An image as BuildKit exported it: an OCI image layout tar (``type=oci``).

The build writes one tar per image; ``docker load`` puts it in the local image store,
where the smoke tests run it, and the publisher uploads the very same tar. The index
digest in the tar is the loaded image's id, so the bytes that were tested are the bytes
that are uploaded, and this module lists them: every blob, then every manifest, children
before the index that names them (the order a registry accepts them in).
"""

from __future__ import annotations

import json
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from bake.core.errors import PipelineError
from bake.publish.readback import ATTESTATION, REFERENCE_TYPE, platform_of

__all__ = ["Blob", "Layout", "Part", "open_layout", "platform_manifests"]


@dataclass(frozen=True)
class Blob:
    """A config or layer: uploaded as a blob."""

    digest: str
    size: int


@dataclass(frozen=True)
class Part:
    """A manifest or index: uploaded by digest with its media type, exact bytes."""

    digest: str
    media_type: str
    body: bytes


@dataclass(frozen=True)
class Layout:
    """The content of one image tar, in upload order."""

    path: Path
    blobs: tuple[Blob, ...]
    manifests: tuple[Part, ...]  # the index last
    open_blob: Callable[[str], BinaryIO]

    @property
    def index(self) -> Part:
        return self.manifests[-1]


def platform_manifests(index: dict[str, Any]) -> dict[str, str]:
    """``{platform: image manifest digest}`` of an index, attestation manifests left out."""
    return {
        platform_of(d): str(d["digest"])
        for d in index.get("manifests") or []
        if (d.get("annotations") or {}).get(REFERENCE_TYPE) != ATTESTATION
    }


@contextmanager
def open_layout(path: Path) -> Iterator[Layout]:
    """Read the tar's ``index.json`` and walk its image index (kept open while in use)."""
    with tarfile.open(path) as tar:

        def read(digest: str) -> bytes:
            member = tar.extractfile(f"blobs/{digest.replace(':', '/', 1)}")
            if member is None:
                raise PipelineError(f"{path}: blob {digest} is missing")
            return member.read()

        def open_blob(digest: str) -> BinaryIO:
            member = tar.extractfile(f"blobs/{digest.replace(':', '/', 1)}")
            if member is None:
                raise PipelineError(f"{path}: blob {digest} is missing")
            return member  # type: ignore[return-value]

        top = json.loads(tar.extractfile("index.json").read())  # type: ignore[union-attr]
        # One entry per name the image was exported under, all of the same index.
        roots = list({d["digest"]: d for d in top.get("manifests") or []}.values())
        if len(roots) != 1:
            raise PipelineError(f"{path}: expected one image index, found {len(roots)}")
        blobs: dict[str, Blob] = {}
        manifests: list[Part] = []
        _walk(roots[0], read, blobs, manifests)
        yield Layout(path, tuple(blobs.values()), tuple(manifests), open_blob)


def _walk(
    descriptor: dict[str, Any],
    read: Callable[[str], bytes],
    blobs: dict[str, Blob],
    manifests: list[Part],
) -> None:
    body = read(descriptor["digest"])
    data = json.loads(body)
    for child in data.get("manifests") or []:
        _walk(child, read, blobs, manifests)
    for blob in [data.get("config"), *(data.get("layers") or [])]:
        if blob:
            blobs.setdefault(blob["digest"], Blob(blob["digest"], int(blob["size"])))
    media_type = data.get("mediaType") or descriptor["mediaType"]
    manifests.append(Part(descriptor["digest"], media_type, body))
