"""A registry of a test's own (the Debian ``docker-registry`` binary on a free loopback
port, its own storage folder, delete enabled), so a test may delete and garbage-collect
without touching the shared registry others push to: GC is not safe during pushes.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path

__all__ = ["OwnRegistry"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OwnRegistry:
    """One throwaway registry: ``start``, ``stop``, ``garbage_collect``, ``blobs``."""

    def __init__(self, folder: Path) -> None:
        self.address = f"127.0.0.1:{_free_port()}"
        self.storage = folder / "data"
        folder.mkdir(parents=True, exist_ok=True)
        self.config = folder / "config.yml"
        self.config.write_text(
            "version: 0.1\nlog: {level: error}\n"
            f"storage: {{filesystem: {{rootdirectory: {self.storage}}}, delete: {{enabled: true}}}}\n"
            f"http: {{addr: {self.address}}}\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = open(self.config.with_name("registry.log"), "ab")  # noqa: SIM115 (the child's)
        self.proc = subprocess.Popen(
            ["docker-registry", "serve", str(self.config)], stdout=log, stderr=log
        )
        log.close()
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://{self.address}/v2/", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("own registry did not start")

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def garbage_collect(self) -> str:
        """Stop, ``docker-registry garbage-collect``, start again; its output."""
        self.stop()
        proc = subprocess.run(
            ["docker-registry", "garbage-collect", str(self.config)],
            capture_output=True,
            text=True,
            check=True,
        )
        self.start()
        return proc.stdout + proc.stderr

    def blobs(self) -> set[str]:
        """Every blob digest in storage (``sha256:…``)."""
        root = self.storage / "docker" / "registry" / "v2" / "blobs" / "sha256"
        return {f"sha256:{p.parent.name}" for p in root.glob("*/*/data")}
