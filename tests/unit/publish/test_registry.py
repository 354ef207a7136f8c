"""bake.publish.registry against a small registry-like HTTP server on loopback: blob upload (POST then
PUT to the Location), manifests by digest and tag, a 500 retried, and the credentials of
``docker login`` answering a Basic or a Bearer challenge."""

from __future__ import annotations

import base64
import hashlib
import http.server
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bake.publish import registry

USER, SECRET = "me", "s3cret"
TOKEN = "tok-123"


class Server(http.server.ThreadingHTTPServer):
    auth = ""  # "", "basic" or "bearer"
    fail_next = 0  # answer this many requests with 500 first
    blobs: dict[str, bytes]
    manifests: dict[str, tuple[bytes, str]]
    seen: list[str]


class Handler(http.server.BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def allowed(self) -> bool:
        given = self.headers.get("Authorization", "")
        basic = "Basic " + base64.b64encode(f"{USER}:{SECRET}".encode()).decode()
        if self.path.startswith("/token"):
            self.reply(200 if given == basic else 401, json.dumps({"token": TOKEN}).encode())
            return False
        if self.server.auth == "basic" and given != basic:
            self.reply(401, headers={"WWW-Authenticate": 'Basic realm="r"'})
            return False
        if self.server.auth == "bearer" and given != f"Bearer {TOKEN}":
            host = self.headers["Host"]
            challenge = f'Bearer realm="http://{host}/token",service="t",scope="repository:x:pull"'
            self.reply(401, headers={"WWW-Authenticate": challenge})
            return False
        return True

    def handle_any(self) -> None:
        self.server.seen.append(f"{self.command} {self.path}")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.server.fail_next:
            self.server.fail_next -= 1
            self.reply(500, b"boom")
            return
        if not self.allowed():
            return
        path, _, query = self.path.partition("?")
        if "/blobs/uploads/" in path and self.command == "POST":
            self.reply(202, headers={"Location": "/upload/1?_state=x"})
        elif path.startswith("/upload/") and self.command == "PUT":
            digest = dict(p.split("=", 1) for p in query.split("&"))["digest"].replace("%3A", ":")
            assert "sha256:" + hashlib.sha256(body).hexdigest() == digest
            self.server.blobs[digest] = body
            self.reply(201)
        elif "/blobs/" in path:
            blob = self.server.blobs.get(path.rsplit("/", 1)[1])
            self.reply(404) if blob is None else self.reply(200, blob)
        elif "/manifests/" in path:
            reference = path.rsplit("/", 1)[1]
            if self.command == "PUT":
                digest = "sha256:" + hashlib.sha256(body).hexdigest()
                self.server.manifests[reference] = self.server.manifests[digest] = (
                    body,
                    self.headers["Content-Type"],
                )
                self.reply(201, headers={"Docker-Content-Digest": digest})
            elif reference in self.server.manifests:
                data, media_type = self.server.manifests[reference]
                self.reply(200, data, {"Content-Type": media_type})
            else:
                self.reply(404)
        else:
            self.reply(404)

    do_GET = do_HEAD = do_PUT = do_POST = handle_any


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    monkeypatch.setenv("BAKE_RETRY_DELAY", "0")
    srv = Server(("127.0.0.1", 0), Handler)
    srv.blobs, srv.manifests, srv.seen = {}, {}, []
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _client(server: Server) -> registry.Client:
    return registry.Client(f"127.0.0.1:{server.server_address[1]}")


def test_blob_upload_manifest_by_digest_and_tag(server: Server) -> None:
    client = _client(server)
    blob = b"layer bytes"
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    assert not client.has_blob("ns/x", digest)
    client.upload_blob("ns/x", digest, len(blob), lambda: io.BytesIO(blob))
    assert client.has_blob("ns/x", digest)
    client.upload_blob("ns/x", digest, len(blob), lambda: io.BytesIO(blob))  # present: no PUT
    assert sum(s.startswith("PUT /upload/") for s in server.seen) == 1
    body = b'{"schemaVersion":2}'
    media_type = "application/vnd.oci.image.index.v1+json"
    assert client.put_manifest("ns/x", "v1", body, media_type) == registry.digest_of(body)
    found = client.get_manifest("ns/x", "v1")
    assert found == registry.Manifest(body, media_type, registry.digest_of(body))
    assert client.get_manifest("ns/x", "missing") is None


def test_content_asked_for_by_digest_must_hash_to_it(server: Server) -> None:
    client = _client(server)
    body, blob = b'{"schemaVersion":2}', b'{"predicateType":"x"}'
    media_type = "application/vnd.oci.image.index.v1+json"
    digest = client.put_manifest("ns/x", registry.digest_of(body), body, media_type)
    server.blobs[registry.digest_of(blob)] = blob
    assert client.get_blob("ns/x", registry.digest_of(blob)) == blob
    server.manifests[digest] = (b'{"schemaVersion":2,"manifests":[]}', media_type)  # replaced
    server.blobs[registry.digest_of(blob)] = b"{}"
    for read in (client.get_manifest, client.get_blob):
        with pytest.raises(registry.RegistryError, match="tampered or corrupt storage"):
            read("ns/x", digest if read == client.get_manifest else registry.digest_of(blob))
    assert sum(s.startswith("GET") for s in server.seen) == 3  # not retried


def test_a_500_is_retried(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    server.fail_next = 2
    assert _client(server).get_manifest("ns/x", "v1") is None
    assert capsys.readouterr().err.count("retry: ") == 2


def test_a_401_is_not_retried_and_hints_docker_login(server: Server) -> None:
    server.auth = "basic"
    with pytest.raises(registry.RegistryError, match="HTTP 401") as info:
        _client(server).get_manifest("ns/x", "v1")
    assert "docker login" in str(info.value)
    assert len(server.seen) == 1


@pytest.mark.parametrize("auth", ["basic", "bearer"])
def test_docker_login_credentials_answer_the_challenge(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, auth: str
) -> None:
    host = f"127.0.0.1:{server.server_address[1]}"
    encoded = base64.b64encode(f"{USER}:{SECRET}".encode()).decode()
    (tmp_path / "config.json").write_text(json.dumps({"auths": {host: {"auth": encoded}}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    server.auth = auth
    client = _client(server)
    body = b"{}"
    client.put_manifest("ns/x", "t", body, "application/vnd.oci.image.manifest.v1+json")
    assert client.get_manifest("ns/x", "t") is not None
    if auth == "bearer":
        assert any(s.startswith("GET /token?") for s in server.seen)
