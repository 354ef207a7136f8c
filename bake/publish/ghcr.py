"""GHCR's deletes, through the GitHub Packages API: on ghcr.io a manifest is a package
version, and deleting a version deletes the manifest (and every tag at it).

    GET    /users/{owner}                                      → is it a User or an Organization
    GET    /{orgs|users}/{owner}/packages/container/{package}/versions?per_page=100&page=N
    DELETE /{orgs|users}/{owner}/packages/container/{package}/versions/{id}

``{package}`` is the repository path after the owner, URL-encoded (``neko/firefox`` →
``neko%2Ffirefox``); a version's ``name`` is its manifest digest. The token comes from
``$GITHUB_TOKEN`` (a workflow's token with ``packages: write``, or a PAT with
``delete:packages``); ``$BAKE_GITHUB_API`` points the client elsewhere (the tests' fake).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from bake.core import run
from bake.core.errors import HostError
from bake.publish import registry

__all__ = ["API", "HOST", "Packages"]

HOST = "ghcr.io"
API = "https://api.github.com"
TIMEOUT = 60.0


class Packages:
    """One container package's versions: found by digest, deleted by id."""

    def __init__(self, api: str, token: str, owner: str, package: str) -> None:
        self.api = api.rstrip("/")
        self.token = token
        self.owner = owner
        self.package = package
        self._ids: dict[str, int] | None = None
        self._base = ""

    @classmethod
    def for_repository(cls, repository: str, env: Mapping[str, str]) -> Packages:
        """``ghcr.io/owner/path/name`` with ``$GITHUB_TOKEN`` (and ``$BAKE_GITHUB_API``)."""
        token = env.get("GITHUB_TOKEN", "")
        if not token:
            raise HostError(
                "prune on ghcr.io deletes through the GitHub Packages API: set GITHUB_TOKEN "
                "(packages: write in a workflow, or a token with delete:packages)"
            )
        _, path = registry.split_repository(repository)
        owner, _, package = path.partition("/")
        return cls(env.get("BAKE_GITHUB_API", API), token, owner, package)

    def _request(self, method: str, path: str) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.api + path,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
            },
        )

        def once() -> tuple[int, Any]:
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                    body = response.read()
                    return response.status, json.loads(body) if body else None
            except urllib.error.HTTPError as exc:
                if exc.code >= 500 or exc.code == 429:
                    raise registry.RegistryError(
                        f"{method} {path}: HTTP {exc.code}", exc.code
                    ) from None
                return exc.code, None
            except urllib.error.URLError as exc:
                raise registry.RegistryError(f"{method} {path}: {exc.reason}") from None

        return run.retry(once, what=f"GitHub API {method} {path}", transient=registry.is_transient)

    def _versions_path(self) -> str:
        if not self._base:
            status, user = self._request("GET", f"/users/{self.owner}")
            if status != 200:
                raise HostError(
                    f"GitHub API: no user or organization {self.owner!r} (HTTP {status})"
                )
            kind = "orgs" if user.get("type") == "Organization" else "users"
            name = urllib.parse.quote(self.package, safe="")
            self._base = f"/{kind}/{self.owner}/packages/container/{name}/versions"
        return self._base

    def version_ids(self) -> dict[str, int]:
        """Digest → version id, every page."""
        if self._ids is None:
            found: dict[str, int] = {}
            for page in range(1, 1000):
                status, versions = self._request(
                    "GET", f"{self._versions_path()}?per_page=100&page={page}"
                )
                if status != 200:
                    raise HostError(
                        f"GitHub API: cannot list {self.package}'s versions (HTTP {status})"
                    )
                found.update({str(v["name"]): int(v["id"]) for v in versions})
                if len(versions) < 100:
                    break
            self._ids = found
        return self._ids

    def delete_digest(self, digest: str) -> bool:
        """Delete the version holding ``digest``; False when there is none."""
        version = self.version_ids().get(digest)
        if version is None:
            self._ids = None  # a tombstone just pushed: list again
            version = self.version_ids().get(digest)
        if version is None:
            return False
        status, _ = self._request("DELETE", f"{self._versions_path()}/{version}")
        if status not in (204, 404):
            raise HostError(
                f"GitHub API: cannot delete version {version} of {self.package} (HTTP {status})"
            )
        return status == 204
