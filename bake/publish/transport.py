"""The HTTP side of the OCI client: one request to a registry host, answered 401s logged
in with the ``docker login`` credentials (Basic, or a Bearer token per repository and
action), and a whole operation retried while the failure is transient.

Credentials come only from ``~/.docker/config.json`` (``auths``, ``credsStore``,
``credHelpers``); nothing here asks for or stores a password itself.
"""

from __future__ import annotations

import base64
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

__all__ = ["TIMEOUT", "Body", "RegistryError", "Transport", "is_transient"]

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


@dataclass(frozen=True)
class _Response:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes


T = TypeVar("T")
Body = bytes | Callable[[], BinaryIO] | None


class Transport:
    """Requests to one registry host, with its login tokens (scope → Authorization)."""

    def __init__(self, registry_host: str, timeout: float = TIMEOUT) -> None:
        self.host = registry_host
        self.scheme = "http" if endpoint.local_registry(registry_host) else "https"
        self.timeout = timeout
        self._auth: dict[str, str] = {}  # scope → Authorization header value

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
