"""bake.build.host: the parsers, and each check's verdict and fix-it hint (a fake Docker
answers the commands)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bake.build import host
from bake.core.docker import Docker
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


def _stub_docker(answers: dict[str, str | Exception]) -> Docker:
    """A Docker whose commands are answered from ``answers`` (by their first three words)."""

    def run_command(cmd: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        answer = answers[" ".join(cmd[:3])]
        if isinstance(answer, Exception):
            raise answer
        return subprocess.CompletedProcess(cmd, 0, answer, "")

    return Docker(run=run_command)


def test_check_buildx_wants_0_29() -> None:
    old = _stub_docker({"docker buildx version": "github.com/docker/buildx v0.28.0 abc"})
    with pytest.raises(HostError, match=r"buildx >= 0.29 is needed, found .*v0.28.0"):
        host.check_buildx(old)
    host.check_buildx(
        _stub_docker({"docker buildx version": "github.com/docker/buildx 0.29.1+ds1 x"})
    )


def test_check_containerd_store() -> None:
    docker = _stub_docker({"docker info --format": '[["Backing Filesystem","extfs"]]'})
    with pytest.raises(HostError, match="containerd-snapshotter"):
        host.check_containerd_store(docker)


def test_check_docker_says_the_daemon_does_not_answer() -> None:
    failure = CommandError("command failed with exit code 1: … Cannot connect to the Docker daemon")
    docker = _stub_docker({"docker version --format": failure})
    with pytest.raises(
        HostError, match=r"daemon does not answer(.|\n)*Cannot connect(.|\n)*host requirements"
    ):
        host.check_docker(docker)


def test_check_docker_without_the_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(HostError, match=r"docker CLI not found.*README"):
        host.check_docker(Docker())  # the real runner: it finds no docker on PATH
