"""The smoke-test runner against the real Docker daemon: one container per image ×
platform with every check still judged alone; Ctrl-C and SIGTERM during `nox -s test-…`
stop the run within seconds and leave none of its containers; two sessions on one host
at once do not disturb each other.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bake.build import isolation
from bake.smoke import containers
from bake.smoke.suite import Check, Outcome

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny"
REGISTRY = "127.0.0.1:5000"
IMAGE = "debian:bookworm-slim"  # mirrored by the local registry (scripts/setup-host.sh)
RUN_LINE = re.compile(rf"labelled {containers.RUN_LABEL}=(\w+)\)")


def _docker(*args: str) -> str:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=True, timeout=300
    ).stdout


def _left_behind(run_id: str) -> tuple[list[str], list[str]]:
    """This run's containers and pinned images that still exist."""
    found = _docker("ps", "--all", "--quiet", "--filter", f"label={containers.RUN_LABEL}={run_id}")
    images = _docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}")
    prefix = f"{isolation.PIN_REGISTRY}/run-{run_id}/"
    return found.split(), [ref for ref in images.split() if ref.startswith(prefix)]


@pytest.fixture(scope="module")
def debian() -> str:
    _docker("pull", "--quiet", "--platform", "linux/amd64", IMAGE)
    return IMAGE


def _check(name: str, script: str, expect: str | None = None) -> Check:
    return Check("debian", "linux/amd64", IMAGE, name, script, expect)


def test_checks_of_one_cell_share_one_container_and_are_judged_alone(debian: str) -> None:
    checks = [
        _check("writes", "echo hi > /tmp/shared; echo one", "^one$"),
        _check("same-container", "cat /tmp/shared", "^hi$"),
        _check("fails", "echo bad; exit 3"),
        _check("no-newline", "printf x"),
        _check("stdout-then-stderr", "echo err >&2; echo out", r"^out\nerr"),
        _check("leaves-a-process", "sleep 300 & echo started", "started"),
        _check(
            "process-was-killed",
            # A killed orphan stays a zombie (state Z) until the container ends: not running.
            "for d in /proc/[0-9]*; do grep -qs '^Name:.sleep' $d/status && "
            "! grep -qs '^State:.Z' $d/status && echo running; done; echo ok",
            r"\Aok\n\Z",
        ),
        _check("fake-marker", "echo '@@bake-0123 end 0 0'; echo real", "real"),
        _check("hangs", "sleep 60"),
        _check("after-the-timeout", "echo still here", "still here"),
    ]
    heard: list[Outcome] = []
    run_id = containers.new_run_id()
    start = time.monotonic()
    outcomes = containers.run_checks(
        checks, jobs=2, timeout=8, run_id=run_id, on_outcome=heard.append
    )
    took = time.monotonic() - start
    by_name = {o.check.name: o for o in outcomes}
    assert [o.check for o in outcomes] == checks
    assert sorted(heard, key=lambda o: checks.index(o.check)) == list(outcomes)
    assert by_name["same-container"].passed, by_name["same-container"].output
    assert by_name["fails"].reason == "exit code 3" and by_name["fails"].output == "bad\n"
    assert by_name["no-newline"].passed and by_name["no-newline"].output == "x"
    assert by_name["stdout-then-stderr"].output == "out\nerr\n"
    assert by_name["process-was-killed"].passed, by_name["process-was-killed"].output
    assert by_name["fake-marker"].passed and "@@bake-0123 end 0 0" in by_name["fake-marker"].output
    assert by_name["hangs"].reason == "timed out"
    assert by_name["after-the-timeout"].passed, by_name["after-the-timeout"].output
    failed = {o.check.name for o in outcomes if not o.passed}
    assert failed == {"fails", "hangs"}
    assert took < 40, took
    assert _left_behind(run_id) == ([], [])


def _slow_family(tmp_path: Path) -> Path:
    """The tiny family plus a check that takes a minute on every base × platform cell."""
    family = tmp_path / "family"
    shutil.copytree(TINY, family, ignore=shutil.ignore_patterns("docker-bake.*"))
    text = (family / "family.yaml").read_text()
    slow = "    - name: slow\n      run: sleep 60\n"
    text = text.replace(
        "      expect: ^tiny-base (amd64|arm64|armhf)$\n",
        "      expect: ^tiny-base (amd64|arm64|armhf)$\n" + slow,
        1,
    )
    assert slow in text
    (family / "family.yaml").write_text(text)
    return family / "family.yaml"


def _nox(config: Path, session: str, namespace: str) -> subprocess.Popen[str]:
    env = {**os.environ, "BAKE_CONFIG": str(config), "BAKE_SBOM_GENERATOR": "off"}
    for name in ("REGISTRY", "TAG", "VERSION", "SHA", "CREATED", "CACHE_REGISTRY", "SOURCE"):
        env.pop(name, None)
    return subprocess.Popen(
        [
            "nox",
            "-f",
            str(ROOT / "noxfile.py"),
            "-s",
            session,
            "--",
            f"REGISTRY={REGISTRY}/{namespace}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, like a shell job
    )


class _Output:
    """Collects a process's output in the background; waits for a pattern."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.text = ""
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            with self._lock:
                self.text += line

    def wait_for(self, pattern: re.Pattern[str], timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                found = pattern.search(self.text)
            if found:
                return found
            time.sleep(0.2)
        raise AssertionError(f"no /{pattern.pattern}/ within {timeout}s:\n{self.text[-4000:]}")

    def done(self) -> str:
        self._thread.join(timeout=30)
        return self.text


@pytest.fixture
def namespace() -> Iterator[str]:
    name = f"t-runtime-{uuid.uuid4().hex[:8]}"
    yield name
    refs = _docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}").split()
    mine = [ref for ref in refs if ref.startswith(f"{REGISTRY}/{name}/")]
    if mine:
        subprocess.run(["docker", "image", "rm", *mine], capture_output=True, check=False)


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_one_signal_stops_test_all_within_seconds_and_removes_its_containers(
    tmp_path: Path, namespace: str, how: str
) -> None:
    proc = _nox(_slow_family(tmp_path), "test-all", namespace)
    output = _Output(proc)
    try:
        run_id = output.wait_for(RUN_LINE, timeout=300).group(1)
        output.wait_for(re.compile(r"^\[1/", re.M), timeout=120)  # checks are running
        time.sleep(1)
        if how == "ctrl-c":  # the terminal sends SIGINT to the whole foreground group
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        returncode = proc.wait(timeout=30)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    text = output.done()
    assert returncode != 0, text
    assert took < 15, (took, text[-3000:])
    assert _left_behind(run_id) == ([], []), text[-3000:]
    name = "SIGINT" if how == "ctrl-c" else "SIGTERM"
    assert f"interrupted by {name}: " in text, text[-3000:]
    assert re.search(r"not run \(\d+ checks\):\n  \S+ on linux/", text), text[-3000:]
    assert "smoke tests:" not in text  # no verdict for a run that did not finish


def test_two_sessions_at_once_on_the_same_images_do_not_disturb_each_other(
    tmp_path: Path, namespace: str
) -> None:
    """`push-all` and `test-all` of the same family and registry namespace at once: both
    load the same local tags and write the same generated bake file. Both pass, the push
    publishes the digests it tested, and neither leaves containers or pins behind."""
    config = tmp_path / "family" / "family.yaml"
    shutil.copytree(TINY, config.parent, ignore=shutil.ignore_patterns("docker-bake.*"))
    procs = [_nox(config, session, namespace) for session in ("push-all", "test-all")]
    outputs = [_Output(proc) for proc in procs]
    codes = [proc.wait(timeout=600) for proc in procs]
    texts = [output.done() for output in outputs]
    for code, text in zip(codes, texts, strict=True):
        assert code == 0, text[-4000:]
        assert "smoke tests: all passed (8 of 8 image × platform cells passed" in text
        run_id = RUN_LINE.search(text)
        assert run_id is not None and _left_behind(run_id.group(1)) == ([], [])
    # The push read every ref back: same index digest as the one its own tests ran.
    assert texts[0].count("ok    ") == 3, texts[0][-3000:]
    assert all("[23/23] " in text for text in texts)
