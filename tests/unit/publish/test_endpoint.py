"""bake.publish.endpoint: which registries are local, and the probe of a local one."""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
from collections.abc import Iterator

import pytest

from bake.core.errors import HostError
from bake.publish import endpoint


def test_local_registry() -> None:
    assert endpoint.local_registry("127.0.0.1:5000/ns") == "127.0.0.1:5000"
    assert endpoint.local_registry("localhost:5000") == "localhost:5000"
    assert endpoint.local_registry("ghcr.io/you/neko") is None
    assert endpoint.local_registry("registry.example:5000/x") is None


@pytest.fixture
def registry_server() -> Iterator[tuple[int, list[str]]]:
    """A registry stand-in answering /v2/; its port and the paths it was asked for."""
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            asked.append(self.path)
            self.send_response(200 if self.path == "/v2/" else 404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], asked
    server.shutdown()
    server.server_close()


def test_check_registry_accepts_a_local_registry_that_answers(
    registry_server: tuple[int, list[str]],
) -> None:
    port, asked = registry_server
    assert endpoint.check_registry(f"127.0.0.1:{port}/ns") is None
    assert asked == ["/v2/"], "the check asks the registry API, once"


def test_check_registry_fails_with_a_hint_when_nothing_listens() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(HostError, match=rf"127.0.0.1:{port} does not answer .*host requirements"):
        endpoint.check_registry(f"127.0.0.1:{port}/ns", timeout=2)


def test_check_registry_does_not_probe_remote_registries() -> None:
    opened: list[object] = []

    def urlopen(*args: object, **_: object) -> contextlib.nullcontext[None]:
        opened.append(args)
        return contextlib.nullcontext()

    endpoint.check_registry("ghcr.io/example/neko", urlopen=urlopen)
    endpoint.check_registry("registry.example:5000/x", urlopen=urlopen)
    assert opened == [], "a remote registry was probed"
    endpoint.check_registry("localhost:5000/x", urlopen=urlopen)  # the stand-in records it
    assert opened == [("http://localhost:5000/v2/",)]
