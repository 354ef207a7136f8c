"""README commands 1 and 2 on a fresh Debian 12 machine: a brand-new privileged container
from the seeded ``debian:bookworm-slim`` (no Docker, no Python packages, no registry ever
installed; Debian's externally managed python3), a clean ``git clone`` of this
repository's committed HEAD, then ``bash scripts/setup-host.sh`` and the plain ``nox``
commands: ``check`` and ``lint`` of the reference family, and a build + QEMU smoke test of
the tiny family (tests/fixtures/tiny: builds of seconds, the same shape).

The container gets only what any machine on this network has: the host's locally added CA
certificates (Debian's folder for them, then ``update-ca-certificates``) and its pip
configuration, minus settings naming paths that exist only on this host.
``/var/lib/docker`` is an anonymous volume, so the nested dockerd's overlayfs works; the
container and its volume are removed however the test ends.
"""

from __future__ import annotations

import configparser
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "debian:bookworm-slim"
LOCAL_CAS = Path("/usr/local/share/ca-certificates")
PIP_CONF = Path("/etc/pip.conf")
# A path the container has too: the trust store update-ca-certificates writes.
SHARED_PATH_PREFIX = "/etc/ssl/"
REPO = "/root/neko-bake"
TINY = "tests/fixtures/tiny/family.yaml"
# Seconds per step (the seed, mmdebstrap of three architectures, dominates the set-up).
STEPS: tuple[tuple[str, str, int], ...] = (
    (
        "prepare",
        "apt-get update -q && apt-get install -y -q --no-install-recommends git ca-certificates"
        f" && update-ca-certificates && git clone -q /tmp/repo.bundle {REPO}",
        600,
    ),
    # Each output line stamped with the epoch second, to show where the time goes.
    (
        "setup-host",
        f"cd {REPO} && set -o pipefail && bash scripts/setup-host.sh 2>&1"
        ' | while IFS= read -r line; do printf "%s %s\\n" "$(date +%s)" "$line"; done',
        2400,
    ),
    # Installed from the lock into the venv only: Debian's python3 has neither package.
    (
        "venv",
        f"test \"$(/opt/neko-bake/venv/bin/python -c 'import yaml; print(yaml.__version__)')\""
        f" = \"$(sed -n 's/^pyyaml==\\([^ ]*\\).*/\\1/p' {REPO}/requirements.txt)\""
        " && ! /usr/bin/python3 -c 'import nox' 2>/dev/null",
        60,
    ),
    ("check-lint", f"cd {REPO} && nox -s check lint", 900),
    ("tiny", f"cd {REPO} && BAKE_CONFIG={TINY} nox -s test-hello", 900),
)

pytestmark = pytest.mark.docker


def host_only(value: str) -> bool:
    """A setting naming a path the fresh container does not have (find-links, constraints,
    file: indexes)."""
    return any(
        part.startswith("file:")
        or (part.startswith("/") and not part.startswith(SHARED_PATH_PREFIX))
        for part in value.split()
    )


def pip_env() -> dict[str, str]:
    """The host's PIP_* settings the container can use."""
    return {k: v for k, v in os.environ.items() if k.startswith("PIP_") and not host_only(v)}


def pip_conf() -> str | None:
    """The host's global pip.conf without the settings that name host-only paths."""
    if not PIP_CONF.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(PIP_CONF)
    for section in parser.sections():
        for key, value in list(parser.items(section)):
            if host_only(value):
                parser.remove_option(section, key)
    lines = []
    for section in parser.sections():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {value}" for key, value in parser.items(section))
    return "\n".join(lines) + "\n"


def docker(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def container(tmp_path: Path) -> Iterator[str]:
    """A fresh privileged container holding this repository's HEAD as a git bundle."""
    bundle = tmp_path / "repo.bundle"
    subprocess.run(["git", "-C", str(ROOT), "bundle", "create", str(bundle), "HEAD"], check=True)
    name = f"bake-fresh-{uuid.uuid4().hex[:10]}"
    started = docker(
        *("run", "-d", "--privileged", "--name", name, "-v", "/var/lib/docker"),
        *("--pull", "missing", IMAGE, "sleep", "infinity"),
        timeout=600,
    )
    try:
        assert started.returncode == 0, started.stderr
        copy(name, bundle, "/tmp/repo.bundle")
        if LOCAL_CAS.is_dir() and any(LOCAL_CAS.iterdir()):
            copy(name, Path(f"{LOCAL_CAS}/."), str(LOCAL_CAS))
        conf = pip_conf()
        if conf is not None:
            (tmp_path / "pip.conf").write_text(conf)
            copy(name, tmp_path / "pip.conf", str(PIP_CONF))
        yield name
    finally:
        docker("rm", "-f", "-v", name, timeout=300)


def copy(name: str, source: Path, target: str) -> None:
    proc = docker("cp", str(source), f"{name}:{target}")
    assert proc.returncode == 0, proc.stderr


def step(container: str, command: str, timeout: int) -> tuple[float, str]:
    """Run one step in the container; its duration and output (failing with its tail)."""
    env = [arg for key, value in pip_env().items() for arg in ("-e", f"{key}={value}")]
    start = time.monotonic()
    try:
        proc = docker("exec", *env, container, "bash", "-c", command, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        pytest.fail(f"{command!r} timed out after {timeout}s:\n{out[-4000:]}", pytrace=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{command!r} exited {proc.returncode}:\n{output[-6000:]}"
    return time.monotonic() - start, output


def slowest_steps(stamped: str) -> str:
    """Print the set-up's five slowest ``==>`` steps; its output without the stamps."""
    lines = [line.partition(" ") for line in stamped.splitlines() if line[:1].isdigit()]
    steps = [(int(ts), text) for ts, _, text in lines if text.startswith("==> ")]
    spans = sorted(
        ((end - start, text) for (start, text), (end, _) in zip(steps, steps[1:], strict=False)),
        reverse=True,
    )
    for seconds, text in spans[:5]:
        print(f"fresh host: {seconds / 60:4.1f} min  {text[:100]}", flush=True)
    return "\n".join(text for _, _, text in lines)


def test_readme_commands_pass_on_a_fresh_debian_host(container: str) -> None:
    took = {}
    outputs = {}
    for label, command, timeout in STEPS:
        took[label], outputs[label] = step(container, command, timeout)
        print(f"fresh host: {label} took {took[label] / 60:.1f} min", flush=True)
    setup = slowest_steps(outputs["setup-host"])
    assert "==> Host ready" in setup
    assert "--break-system-packages" not in setup
    assert "Session test-hello was successful" in outputs["tiny"]
    print(f"fresh host: total {sum(took.values()) / 60:.1f} min", flush=True)
