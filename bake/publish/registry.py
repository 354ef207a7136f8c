"""A small OCI distribution client: upload blobs and manifests by digest, read manifests,
set a tag with one manifest PUT.

Why not ``docker push``: it can only push a tag, so content and tag move together and a
failure halfway leaves a release half-moved. Talking to the registry API directly lets
the publisher upload everything first (by digest, no tag), then move every tag in one
short final phase, and retry each idempotent request on its own. Credentials still come
only from ``docker login`` (bake.publish.transport); this client never asks for or
stores a password itself.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from bake.publish.transport import TIMEOUT, RegistryError, Transport, is_transient

__all__ = [
    "MANIFEST_TYPES",
    "Client",
    "ClientFor",
    "client_for",
    "digest_of",
    "Manifest",
    "RegistryError",
    "is_transient",
    "split_repository",
]

MANIFEST_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)


def split_repository(repository: str) -> tuple[str, str]:
    """``127.0.0.1:5000/ns/name`` → (``127.0.0.1:5000``, ``ns/name``)."""
    registry_host, _, path = repository.partition("/")
    return registry_host, path


@dataclass(frozen=True)
class Manifest:
    """A manifest or index as the registry holds it: exact bytes, type and digest."""

    body: bytes
    media_type: str
    digest: str

    def json(self) -> dict[str, object]:
        data = json.loads(self.body)
        if not isinstance(data, dict):
            raise RegistryError(f"manifest {self.digest} is not a JSON object")
        return data


def digest_of(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _checked(repo: str, reference: str, body: bytes) -> str:
    """The digest of ``body``; asked for by digest, the registry must serve those very bytes
    (content replaced in its storage would otherwise be published under another digest)."""
    digest = digest_of(body)
    if reference.startswith("sha256:") and digest != reference:
        raise RegistryError(
            f"{repo}@{reference}: the registry served content whose digest is {digest} "
            "(tampered or corrupt storage)",
            status=200,
        )
    return digest


class Client(Transport):
    """One registry host. Each method is one idempotent operation, retried as a whole
    (the requests, logins and retries: bake.publish.transport)."""

    def has_blob(self, repo: str, digest: str) -> bool:
        return self._retry(
            f"HEAD {repo} blob {digest[:19]}",
            lambda: self._call("HEAD", f"/v2/{repo}/blobs/{digest}", ok=(200, 404)).status == 200,
        )

    def upload_blob(
        self, repo: str, digest: str, size: int, opener: Callable[[], BinaryIO], mount: str = ""
    ) -> None:
        """Upload (or cross-mount from ``mount``, a repo on this host) one blob unless present."""

        def once() -> None:
            if self._call("HEAD", f"/v2/{repo}/blobs/{digest}", ok=(200, 404)).status == 200:
                return
            query = f"?mount={digest}&from={mount}" if mount else ""
            started = self._call("POST", f"/v2/{repo}/blobs/uploads/{query}", ok=(201, 202))
            if started.status == 201:
                return  # mounted
            location = started.headers.get("location", "")
            joiner = "&" if "?" in location else "?"
            self._call(
                "PUT",
                f"{location}{joiner}digest={urllib.parse.quote(digest)}",
                body=opener,
                headers={"Content-Type": "application/octet-stream", "Content-Length": str(size)},
                ok=(201, 204),
            )

        self._retry(f"upload {repo} blob {digest[:19]}", once)

    def put_manifest(self, repo: str, reference: str, body: bytes, media_type: str) -> str:
        """PUT a manifest under a digest or a tag; the registry must report its digest."""
        expected = digest_of(body)

        def once() -> str:
            answer = self._call(
                "PUT",
                f"/v2/{repo}/manifests/{reference}",
                body=body,
                headers={"Content-Type": media_type},
                ok=(200, 201),
            )
            got = answer.headers.get("docker-content-digest", expected)
            if got != expected:
                raise RegistryError(f"{repo}:{reference} was stored as {got}, not {expected}")
            return got

        return self._retry(f"PUT {repo} manifest {reference[:19]}", once)

    def get_manifest(self, repo: str, reference: str) -> Manifest | None:
        """The manifest at a tag or digest, exactly as stored; None when there is none."""

        def once() -> Manifest | None:
            answer = self._call(
                "GET",
                f"/v2/{repo}/manifests/{reference}",
                headers={"Accept": ", ".join(MANIFEST_TYPES)},
                ok=(200, 404),
            )
            if answer.status == 404:
                return None
            media_type = answer.headers.get("content-type", "").split(";")[0]
            return Manifest(answer.body, media_type, _checked(repo, reference, answer.body))

        return self._retry(f"GET {repo} manifest {reference[:19]}", once)

    def get_blob(self, repo: str, digest: str) -> bytes | None:
        """A (small) blob's bytes, checked against its digest; None when there is none."""

        def once() -> bytes | None:
            answer = self._call("GET", f"/v2/{repo}/blobs/{digest}", ok=(200, 404))
            if answer.status == 404:
                return None
            _checked(repo, digest, answer.body)
            return answer.body

        return self._retry(f"GET {repo} blob {digest[:19]}", once)

    def list_tags(self, repo: str) -> list[str]:
        """Every tag of ``repo`` (following the registry's ``Link`` pages); [] if none."""

        def once() -> list[str]:
            found: list[str] = []
            target = f"/v2/{repo}/tags/list?n=1000"
            while target:
                answer = self._call("GET", target, ok=(200, 404))
                if answer.status == 404:
                    return found
                found += json.loads(answer.body).get("tags") or []
                link = re.match(r"<([^>]*)>", answer.headers.get("link", ""))
                target = link.group(1) if link else ""
            return found

        return self._retry(f"list {repo} tags", once)

    def delete_manifest(self, repo: str, digest: str) -> bool:
        """DELETE a manifest by digest (and with it every tag at it); False if not there.

        Distribution (2.x) deletes manifests only by digest: a tag goes with its manifest."""
        return self._retry(
            f"DELETE {repo} manifest {digest[:19]}",
            lambda: (
                self._call("DELETE", f"/v2/{repo}/manifests/{digest}", ok=(202, 200, 404)).status
                != 404
            ),
        )

    # --- plumbing ---------------------------------------------------------------------


@functools.cache
def client_for(registry_host: str) -> Client:
    """One client per registry host for the whole run (its login tokens are reused)."""
    return Client(registry_host, TIMEOUT)


ClientFor = Callable[[str], Client]  # registry host → its client (``client_for``, or a fake)
