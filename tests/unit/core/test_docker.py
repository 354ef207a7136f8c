"""bake.core.docker: the commands' object hands every call to its runner, as given."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from bake.core.docker import Docker
from bake.core.errors import CommandError


def test_capture_runs_quietly_through_the_runner_and_returns_stdout() -> None:
    calls: list[tuple[list[str], dict[str, Any]]] = []

    def runner(cmd: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
        calls.append((list(cmd), options))
        return subprocess.CompletedProcess(cmd, 0, "26.1.5\n", "")

    docker = Docker(run=runner)
    assert docker.capture(["docker", "version"], cwd=None) == "26.1.5\n"
    assert calls == [
        (["docker", "version"], {"cwd": None, "env": None, "capture": True, "echo": False})
    ]


def test_the_default_is_the_real_runner() -> None:
    assert Docker().capture([sys.executable, "-c", "print('real')"]) == "real\n"
    with pytest.raises(CommandError, match="exit code 3"):
        Docker().capture([sys.executable, "-c", "raise SystemExit(3)"])
