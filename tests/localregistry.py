"""The local registry as the Docker tests see it: raw reads of the v2 API, and namespaces
of a test's own that are cleaned up after.

Why one module: several Docker tests (and two runs of the suite at once) share one
dockerd and one registry. Each test publishes under a namespace nobody else uses and
removes the local images it tagged there; reading the registry directly, not through
bake, keeps the tests independent of the code they check.
"""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

__all__ = [
    "ACCEPT",
    "REGISTRY",
    "fresh_namespace",
    "get",
    "get_json",
    "platform_of",
    "remove_images",
    "remove_local_images",
    "tags_of",
]

REGISTRY = "127.0.0.1:5000"
ACCEPT = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
    ]
)


def fresh_namespace(prefix: str) -> str:
    """A namespace no other test run uses (``prefix-<10 hex digits>``)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def remove_images(match: Callable[[str], bool]) -> None:
    """Remove the local images whose ``repository:tag`` ``match`` accepts."""
    listed = subprocess.run(
        ["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    mine = [ref for ref in listed if match(ref)]
    if mine:
        subprocess.run(["docker", "image", "rm", *mine], capture_output=True, check=False)


def remove_local_images(namespace: str) -> None:
    """Remove the local images tagged under ``REGISTRY/namespace/``."""
    remove_images(lambda ref: ref.startswith(f"{REGISTRY}/{namespace}/"))


def get(path: str) -> tuple[int, bytes]:
    """GET ``/v2/<path>``: the status and the body, errors included."""
    request = urllib.request.Request(f"http://{REGISTRY}/v2/{path}", headers={"Accept": ACCEPT})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def get_json(path: str) -> dict[str, Any]:
    """GET ``/v2/<path>``, which must answer 200 with JSON."""
    status, body = get(path)
    assert status == 200, (path, status, body[:300])
    result: dict[str, Any] = json.loads(body)
    return result


def tags_of(repository: str) -> list[str]:
    """The image tags of a repository; none when it does not exist or holds only digests.
    Release records (``sha256-<hex>.bake``, attached to an index by bake.publish.release_record,
    like cosign's signatures) are left out: they are not tags an image is pulled by."""
    status, body = get(f"{repository}/tags/list")
    if status == 404:
        return []
    assert status == 200, body
    return sorted(t for t in json.loads(body).get("tags") or [] if not t.endswith(".bake"))


def platform_of(descriptor: dict[str, Any]) -> str:
    """A manifest descriptor's platform as ``os/arch[/variant]``."""
    p = descriptor["platform"]
    return "/".join([p["os"], p["architecture"], *([p["variant"]] if p.get("variant") else [])])
