"""bake.build.host: the parsers, and each check's verdict and fix-it hint (docker stubbed)."""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bake.build import host
from bake.core import run
from bake.core.errors import CommandError, HostError

ENABLED_PF = """enabled
interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
flags: PF
offset 0
magic 7f454c460201010000000000000000000200b700
mask ffffffffffffff00fffffffffffffffffeffffff
"""


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("github.com/docker/buildx 0.29.1+ds1 0.29.1+ds1-4", (0, 29, 1)),
        ("github.com/docker/buildx v0.12.0 542e5d810e4a", (0, 12, 0)),
        ("github.com/docker/buildx v1.0 abc", (1, 0)),
        ("no version here", None),
    ],
)
def test_parse_buildx_version(text: str, version: tuple[int, ...] | None) -> None:
    assert host.parse_buildx_version(text) == version


def test_containerd_store_is_read_from_driver_status() -> None:
    assert host.uses_containerd_store('[["driver-type","io.containerd.snapshotter.v1"]]')
    assert not host.uses_containerd_store(
        '[["Backing Filesystem","extfs"],["Supports d_type","true"]]'
    )
    assert not host.uses_containerd_store("null")
    assert not host.uses_containerd_store("not json")


def test_foreign_platforms_depend_on_the_cpu() -> None:
    platforms = ("linux/amd64", "linux/arm64", "linux/arm/v7")
    assert host.foreign_platforms(platforms, "x86_64") == ("linux/arm64", "linux/arm/v7")
    assert host.foreign_platforms(platforms, "aarch64") == ("linux/amd64", "linux/arm/v7")


def test_binfmt_problem() -> None:
    assert host.binfmt_problem("linux/arm64", ENABLED_PF) is None
    assert "F (fix-binary) flag" in host.binfmt_problem(
        "linux/arm64", ENABLED_PF.replace("PF", "P")
    )
    assert "disabled" in host.binfmt_problem(
        "linux/arm64", ENABLED_PF.replace("enabled", "disabled")
    )
    assert "no binfmt_misc handler qemu-arm" in host.binfmt_problem("linux/arm/v7", None)


def test_check_binfmt_reads_one_handler_per_foreign_platform(tmp_path: Path) -> None:
    (tmp_path / "qemu-aarch64").write_text(ENABLED_PF)
    host.check_binfmt(("linux/amd64", "linux/arm64"), machine="x86_64", root=tmp_path)
    with pytest.raises(HostError) as info:
        host.check_binfmt(
            ("linux/amd64", "linux/arm64", "linux/arm/v7"), machine="x86_64", root=tmp_path
        )
    message = str(info.value)
    assert "linux/arm/v7: no binfmt_misc handler qemu-arm" in message
    assert "host requirements" in message
    assert info.value.exit_code == 3


def test_local_registry() -> None:
    assert host.local_registry("127.0.0.1:5000/ns") == "127.0.0.1:5000"
    assert host.local_registry("localhost:5000") == "localhost:5000"
    assert host.local_registry("ghcr.io/you/neko") is None
    assert host.local_registry("registry.example:5000/x") is None


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
    assert host.check_registry(f"127.0.0.1:{port}/ns") is None
    assert asked == ["/v2/"], "the check asks the registry API, once"


def test_check_registry_fails_with_a_hint_when_nothing_listens() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(HostError, match=rf"127.0.0.1:{port} does not answer .*host requirements"):
        host.check_registry(f"127.0.0.1:{port}/ns", timeout=2)


def test_check_registry_does_not_probe_remote_registries(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []

    def urlopen(*args: object, **_: object) -> contextlib.nullcontext[None]:
        opened.append(args)
        return contextlib.nullcontext()

    monkeypatch.setattr(host.urllib.request, "urlopen", urlopen)
    host.check_registry("ghcr.io/example/neko")
    host.check_registry("registry.example:5000/x")
    assert opened == [], "a remote registry was probed"
    host.check_registry("localhost:5000/x")  # the stand-in records a local one
    assert opened == [("http://localhost:5000/v2/",)]


def _stub_docker(monkeypatch: pytest.MonkeyPatch, answers: dict[str, str | Exception]) -> None:
    def capture_stdout(cmd: list[str], **_: object) -> str:
        key = " ".join(cmd[:3])
        answer = answers[key]
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(run, "capture_stdout", capture_stdout)


def test_check_buildx_wants_0_29(monkeypatch: pytest.MonkeyPatch) -> None:
    _stub_docker(monkeypatch, {"docker buildx version": "github.com/docker/buildx v0.28.0 abc"})
    with pytest.raises(HostError, match=r"buildx >= 0.29 is needed, found .*v0.28.0"):
        host.check_buildx()
    _stub_docker(monkeypatch, {"docker buildx version": "github.com/docker/buildx 0.29.1+ds1 x"})
    host.check_buildx()


def test_check_containerd_store(monkeypatch: pytest.MonkeyPatch) -> None:
    _stub_docker(monkeypatch, {"docker info --format": '[["Backing Filesystem","extfs"]]'})
    with pytest.raises(HostError, match="containerd-snapshotter"):
        host.check_containerd_store()


def test_check_docker_says_the_daemon_does_not_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    failure = CommandError("command failed with exit code 1: … Cannot connect to the Docker daemon")
    _stub_docker(monkeypatch, {"docker version --format": failure})
    with pytest.raises(
        HostError, match=r"daemon does not answer(.|\n)*Cannot connect(.|\n)*host requirements"
    ):
        host.check_docker()


def test_check_docker_without_the_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(HostError, match=r"docker CLI not found.*README"):
        host.check_docker()
