"""A small OCI distribution client: upload blobs and manifests by digest, read manifests,
set a tag with one manifest PUT.

Why not ``docker push``: it can only push a tag, so content and tag move together and a
failure halfway leaves a release half-moved. Talking to the registry API directly lets
the publisher upload everything first (by digest, no tag), then move every tag in one
short final phase, and retry each idempotent request on its own. Credentials still come
only from ``docker login`` (``~/.docker/config.json``: ``auths``, ``credsStore``,
``credHelpers``); this client never asks for or stores a password itself.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.client
import json
import os
import re
import socket
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

from bake.core import run
from bake.core.errors import BakeError
from bake.publish import endpoint

__all__ = [
    "MANIFEST_TYPES",
    "Client",
    "client_for",
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
TIMEOUT = 120.0  # seconds per HTTP exchange (a big layer's PUT included)
_CHALLENGE = re.compile(r'(\w+)="([^"]*)"')


class RegistryError(BakeError):
    """A registry request failed; ``status`` is the HTTP status (None: no answer)."""

    exit_code = 4

    def __init__(self, message: str, status: int | None = None) -> None:
        hint = ""
        if status in (401, 403):
            hint = "\nthe registry refused the credentials: `docker login <registry>` first"
        super().__init__(message + hint)
        self.status = status


_TRANSIENT_OS = (
    ConnectionError,  # reset, refused, aborted, broken pipe
    TimeoutError,
    socket.timeout,
    http.client.RemoteDisconnected,
    http.client.IncompleteRead,
    http.client.BadStatusLine,
)


def is_transient(exc: BaseException) -> bool:
    """Worth another try: a 5xx or 429 answer, a dropped or refused connection, a timeout."""
    if isinstance(exc, RegistryError):
        return exc.status is None or exc.status >= 500 or exc.status == 429
    return isinstance(exc, _TRANSIENT_OS)


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


@dataclass(frozen=True)
class _Response:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes


T = TypeVar("T")
Body = bytes | Callable[[], BinaryIO] | None


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


class Client:
    """One registry host. Each method is one idempotent operation, retried as a whole."""

    def __init__(self, registry_host: str, timeout: float = TIMEOUT) -> None:
        self.host = registry_host
        self.scheme = "http" if endpoint.local_registry(registry_host) else "https"
        self.timeout = timeout
        self._auth: dict[str, str] = {}  # scope → Authorization header value

    # --- operations -------------------------------------------------------------------

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

    def _retry(self, what: str, action: Callable[[], T]) -> T:
        try:
            return run.retry(action, what=f"{self.host}: {what}", transient=is_transient)
        except _TRANSIENT_OS as exc:  # no answer at all, to the last try
            raise RegistryError(
                f"{self.host}: {what}: {exc or type(exc).__name__} "
                "(the registry does not answer; gave up after retrying)"
            ) from None

    def _call(
        self,
        method: str,
        target: str,
        *,
        body: Body = None,
        headers: Mapping[str, str] | None = None,
        ok: tuple[int, ...],
    ) -> _Response:
        url = target if "://" in target else f"{self.scheme}://{self.host}{target}"
        scope = _scope_of(url, method)
        sent = dict(headers or {})
        if scope in self._auth:
            sent["Authorization"] = self._auth[scope]
        answer = self._send(method, url, body, sent)
        if answer.status == 401 and self._login(answer.headers.get("www-authenticate", ""), scope):
            sent["Authorization"] = self._auth[scope]
            answer = self._send(method, url, body, sent)
        if answer.status not in ok:
            text = answer.body[:300].decode(errors="replace").strip()
            raise RegistryError(
                f"{method} {url}: HTTP {answer.status}{': ' + text if text else ''}",
                answer.status,
            )
        return answer

    def _send(self, method: str, url: str, body: Body, headers: Mapping[str, str]) -> _Response:
        parts = urllib.parse.urlsplit(url)
        connection_type = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_type(parts.netloc, timeout=self.timeout)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            payload = body() if callable(body) else body
            try:
                connection.request(method, path, body=payload, headers=dict(headers))
                response = connection.getresponse()
                data = b"" if method == "HEAD" else response.read()
            finally:
                if payload is not None and not isinstance(payload, bytes):
                    payload.close()
            names = {k.lower(): v for k, v in response.getheaders()}
            return _Response(response.status, names, data)
        except OSError as exc:
            if isinstance(exc, _TRANSIENT_OS):
                raise
            raise RegistryError(f"{method} {url}: {exc}") from None
        finally:
            connection.close()

    def _login(self, challenge: str, scope: str) -> bool:
        """Answer a 401 with the ``docker login`` credentials (Basic, or a Bearer token)."""
        kind, _, rest = challenge.partition(" ")
        params = dict(_CHALLENGE.findall(rest))
        user = _docker_credentials(self.host)
        basic = (
            "Basic " + base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode() if user else ""
        )
        if kind.lower() == "basic":
            if basic:
                self._auth[scope] = basic
            return bool(basic)
        if kind.lower() != "bearer" or "realm" not in params:
            return False
        query = {k: v for k, v in params.items() if k in ("service", "scope")}
        url = params["realm"] + "?" + urllib.parse.urlencode(query)
        answer = self._send("GET", url, None, {"Authorization": basic} if basic else {})
        if answer.status != 200:
            return False
        token = json.loads(answer.body).get("token") or json.loads(answer.body).get("access_token")
        if token:
            self._auth[scope] = f"Bearer {token}"
        return bool(token)


@functools.cache
def client_for(registry_host: str) -> Client:
    """One client per registry host for the whole run (its login tokens are reused)."""
    return Client(registry_host)


def _scope_of(url: str, method: str) -> str:
    """Tokens are per repository and action; cache them under that key."""
    path = urllib.parse.urlsplit(url).path
    repo = re.sub(r"/(manifests|blobs|tags)/.*$", "", path.removeprefix("/v2/"))
    action = {"GET": "pull", "HEAD": "pull", "DELETE": "delete"}.get(method, "push")
    return f"{repo}:{action}"


def _docker_credentials(registry_host: str) -> tuple[str, str] | None:
    """User and secret for ``registry_host`` from docker's config (and its helpers)."""
    folder = Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")
    try:
        config = json.loads((folder / "config.json").read_text())
    except (OSError, ValueError):
        return None
    helper = (config.get("credHelpers") or {}).get(registry_host) or config.get("credsStore")
    if helper:
        proc = run.run(
            [f"docker-credential-{helper}", "get"],
            capture=True,
            check=False,
            echo=False,
            input=registry_host,
        )
        if proc.returncode == 0:
            found = json.loads(proc.stdout)
            return found.get("Username", ""), found.get("Secret", "")
    auth = ((config.get("auths") or {}).get(registry_host) or {}).get("auth")
    if auth:
        user, _, secret = base64.b64decode(auth).decode().partition(":")
        return user, secret
    return None
