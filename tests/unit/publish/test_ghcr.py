"""prune's GHCR mode against a recorded fake of the GitHub Packages API (on loopback,
never GitHub): the calls it makes, with which headers, and what it does with the answers.
The answers are shaped as GitHub documents them (docs.github.com, REST "Packages")."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from bake.core.errors import HostError
from bake.publish import ghcr

DIGEST = "sha256:" + "a" * 64
OTHER = "sha256:" + "b" * 64
VERSIONS = "/orgs/acme/packages/container/neko%2Ffirefox/versions"
# Recorded answers: path → (status, body)
RECORDED: dict[tuple[str, str], tuple[int, Any]] = {
    ("GET", "/users/acme"): (200, {"login": "acme", "id": 1, "type": "Organization"}),
    ("GET", VERSIONS + "?per_page=100&page=1"): (
        200,
        [
            {
                "id": 4242,
                "name": DIGEST,
                "url": "https://api.github.com/orgs/acme/packages/container/neko%2Ffirefox/versions/4242",
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-01T00:00:00Z",
                "metadata": {"package_type": "container", "container": {"tags": ["sha-1234567"]}},
            },
            {
                "id": 4243,
                "name": OTHER,
                "created_at": "2026-01-02T00:00:00Z",
                "metadata": {"package_type": "container", "container": {"tags": []}},
            },
        ],
    ),
    ("DELETE", VERSIONS + "/4242"): (204, None),
    ("DELETE", VERSIONS + "/4243"): (403, {"message": "Must have admin rights to Repository."}),
}


class Fake(http.server.BaseHTTPRequestHandler):
    seen: list[tuple[str, str, str, str]] = []

    def _answer(self) -> None:
        Fake.seen.append(
            (self.command, self.path, self.headers["Authorization"], self.headers["Accept"])
        )
        status, body = RECORDED.get((self.command, self.path), (404, {"message": "Not Found"}))
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_DELETE = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def api() -> Iterator[str]:
    Fake.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_deletes_the_version_holding_a_digest(api: str) -> None:
    env = {"GITHUB_TOKEN": "t0ken", "BAKE_GITHUB_API": api}
    packages = ghcr.Packages.for_repository("ghcr.io/acme/neko/firefox", env)
    assert packages.delete_digest(DIGEST) is True
    assert [(m, p) for m, p, _, _ in Fake.seen] == [
        ("GET", "/users/acme"),
        ("GET", VERSIONS + "?per_page=100&page=1"),
        ("DELETE", VERSIONS + "/4242"),
    ]
    assert {(auth, accept) for _, _, auth, accept in Fake.seen} == {
        ("Bearer t0ken", "application/vnd.github+json")
    }


def test_a_digest_without_a_version_is_listed_again_then_reported_absent(api: str) -> None:
    env = {"GITHUB_TOKEN": "t", "BAKE_GITHUB_API": api}
    packages = ghcr.Packages.for_repository("ghcr.io/acme/neko/firefox", env)
    assert packages.delete_digest("sha256:" + "c" * 64) is False
    assert [m for m, _, _, _ in Fake.seen].count("DELETE") == 0
    assert sum(p.startswith(VERSIONS) for _, p, _, _ in Fake.seen) == 2  # listed twice


def test_a_refused_delete_is_an_error(api: str) -> None:
    env = {"GITHUB_TOKEN": "t", "BAKE_GITHUB_API": api}
    packages = ghcr.Packages.for_repository("ghcr.io/acme/neko/firefox", env)
    with pytest.raises(HostError, match="cannot delete version 4243"):
        packages.delete_digest(OTHER)


def test_no_token_says_which_one_to_set() -> None:
    with pytest.raises(HostError, match="set GITHUB_TOKEN"):
        ghcr.Packages.for_repository("ghcr.io/acme/neko/firefox", {})
