"""The smoke-test containers of one run: start a batch, follow it, remove what is left.

Every container carries the label ``bake.core.run=<run id>``, so a run that is interrupted
removes exactly its own containers (and never those of another session on the same
host). A batch's output is followed line by line: each finished check is judged at
once and reported through ``on_outcome`` (the progress line). A check that outlives the
timeout gets its container removed and is judged "timed out"; the checks after it run
in a fresh container, as do those after a check whose container died, so one failing
check never hides another.
"""

from __future__ import annotations

import queue
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from bake.core import interrupt, run
from bake.core.docker import Docker
from bake.core.errors import BakeError
from bake.smoke.batch import Batch, Began, Ended, Transcript, batches, script
from bake.smoke.suite import Check, Outcome, judge

__all__ = [
    "RUN_LABEL",
    "command",
    "new_run_id",
    "remove_run_containers",
    "SmokeRun",
    "run_batch",
    "run_checks",
]

RUN_LABEL = "bake.run"
POLL = 0.25  # seconds between looks at the stop flag while a check runs

OnOutcome = Callable[[Outcome], None]


def new_run_id() -> str:
    """A short id, unique on this host, for the label and names of one run's containers."""
    return uuid.uuid4().hex[:12]


def command(batch: Batch, checks: Sequence[Check], name: str, run_id: str, token: str) -> list[str]:
    """The ``docker run`` of one batch container (``--pull never``: the image just built)."""
    return [
        "docker",
        "run",
        "--rm",
        "--pull",
        "never",
        "--platform",
        batch.platform,
        "--name",
        name,
        "--label",
        f"{RUN_LABEL}={run_id}",
        "--entrypoint",
        "/bin/sh",
        batch.ref,
        "-c",
        script(checks, token),
    ]


def remove_run_containers(run_id: str, docker: Docker) -> int:
    """``docker rm --force`` every container of the run (also created, never started ones)."""
    try:
        listed = docker.run(
            ["docker", "ps", "--all", "--quiet", "--filter", f"label={RUN_LABEL}={run_id}"],
            capture=True,
            check=False,
            echo=False,
            timeout=60,
        )
        ids = listed.stdout.split()
        if ids:
            docker.run(["docker", "rm", "--force", *ids], capture=True, check=False, echo=False)
        return len(ids)
    except BakeError:
        return 0


def run_checks(
    checks: Sequence[Check],
    jobs: int = 2,
    timeout: float = 600.0,
    *,
    run_id: str | None = None,
    on_outcome: OnOutcome | None = None,
    docker: Docker | None = None,
) -> tuple[Outcome, ...]:
    """Run every check, one container per image × platform, ``jobs`` containers at a time.

    Outcomes come back in the order of ``checks``; ``on_outcome`` hears of each as it
    finishes (from worker threads). On SIGINT/SIGTERM (``Interrupted``) or any other
    exception, no further container starts, the run's containers are removed, and the
    exception propagates; ``on_outcome`` has then seen everything that finished.
    ``docker``: what runs the containers (default: the real one).
    """
    run_id = run_id or new_run_id()
    docker = docker or Docker()
    lock = threading.Lock()
    finished: list[Outcome] = []

    def record(outcome: Outcome) -> None:
        with lock:
            finished.append(outcome)
            if on_outcome:
                on_outcome(outcome)

    stop = threading.Event()
    with interrupt.signals_stop_the_run():
        pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="smoke")
        futures: list[Future[list[Outcome]]] = []
        smoke = SmokeRun(run_id, timeout, stop, record, docker)
        try:
            for each in batches(checks):
                futures.append(pool.submit(run_batch, each, smoke))
            for future in futures:
                future.result()
        except BaseException:
            stop.set()
            _stop(pool, futures, run_id, docker)
            raise
        pool.shutdown()
    order = {id(check): index for index, check in enumerate(checks)}
    return tuple(sorted(finished, key=lambda outcome: order[id(outcome.check)]))


def _stop(
    pool: ThreadPoolExecutor,
    futures: Sequence[Future[list[Outcome]]],
    run_id: str,
    docker: Docker,
) -> None:
    """Start nothing more, remove the run's containers, let the workers see them go."""
    for future in futures:
        future.cancel()
    remove_run_containers(run_id, docker)
    pool.shutdown(wait=True, cancel_futures=True)
    remove_run_containers(run_id, docker)  # any container created while the first pass ran


@dataclass(frozen=True)
class SmokeRun:
    """What every container of one run shares: its id (the label), the per-check timeout,
    the stop signal, who hears of each outcome, and what runs the containers."""

    run_id: str
    timeout: float
    stop: threading.Event
    on_outcome: OnOutcome
    docker: Docker


def run_batch(batch: Batch, smoke: SmokeRun) -> list[Outcome]:
    """Every check of ``batch``, in as few containers as the checks allow (one, normally).

    Returns early, with what finished, once ``smoke.stop`` is set.
    """
    outcomes: list[Outcome] = []
    while len(outcomes) < len(batch.checks) and not smoke.stop.is_set():
        outcomes += _one_container(batch, batch.checks[len(outcomes) :], smoke)
    return outcomes


def _one_container(batch: Batch, checks: Sequence[Check], smoke: SmokeRun) -> list[Outcome]:
    """Run ``checks`` in one container until they are done, one cuts it short, or ``stop``."""
    run_id, timeout, stop, docker = smoke.run_id, smoke.timeout, smoke.stop, smoke.docker
    token = f"@@bake-{uuid.uuid4().hex}"
    name = f"bake-smoke-{run_id}-{uuid.uuid4().hex[:8]}"
    proc = docker.start(command(batch, checks, name, run_id, token), echo=False)
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(proc, lines), daemon=True).start()
    follower = _Follower(checks, Transcript(token), smoke.on_outcome)
    try:
        while not (stop.is_set() or follower.done):
            left = follower.began + timeout - time.monotonic()
            try:
                line = lines.get(timeout=max(0.0, min(POLL, left)))
            except queue.Empty:
                if left <= 0:
                    _remove(docker, name)
                    follower.cut_short(
                        run.TIMEOUT_EXIT,
                        f"timed out after {timeout:g} s; its container was removed",
                    )
                continue
            if line is None:  # the container is gone
                returncode = proc.wait()
                note = f"the container ended with exit code {returncode} during this check"
                follower.cut_short(returncode or 1, note)
            else:
                follower.feed(line)
        return follower.outcomes
    finally:
        if proc.poll() is None:
            proc.kill()  # the docker CLI; its container is removed by the run's clean-up
        proc.wait()


@dataclass
class _Follower:
    """Judges the checks of one container as their output arrives."""

    checks: Sequence[Check]
    transcript: Transcript
    on_outcome: OnOutcome
    outcomes: list[Outcome] = field(default_factory=list)
    began: float = field(default_factory=time.monotonic)  # the current check's start
    done: bool = False  # no more output will come from this container

    def feed(self, line: str) -> None:
        event = self.transcript.feed(line)
        if isinstance(event, Began):
            self.began = time.monotonic()
        elif isinstance(event, Ended):
            self._judge(self.checks[event.index], event.returncode, event.output)

    def cut_short(self, returncode: int, note: str) -> None:
        """The container is gone: the check it was running (if any) fails with ``note``."""
        self.done = True
        if len(self.outcomes) < len(self.checks):
            output = f"{self.transcript.pending()}\n({note})\n"
            self._judge(self.checks[len(self.outcomes)], returncode, output)

    def _judge(self, check: Check, returncode: int, output: str) -> None:
        outcome = judge(check, returncode, output, time.monotonic() - self.began)
        self.outcomes.append(outcome)
        self.on_outcome(outcome)


def _pump(proc: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.put(line)
    lines.put(None)


def _remove(docker: Docker, name: str) -> None:
    try:
        docker.run(
            ["docker", "rm", "--force", name], capture=True, check=False, echo=False, timeout=60
        )
    except BakeError:
        pass
