"""The one subprocess helper: every external command of the pipeline goes through here.

Why one helper: the user should see every command as ``+ cmd`` (shell-quoted, with the
variables it was given, so it can be copied into a terminal), a missing program should
say which program and how to get it, and a failed command should show the command, its
exit code and its output once, readably, instead of a Python traceback.
"""

from __future__ import annotations

import os
import random
import shlex
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from bake.core import options
from bake.core.errors import CommandError, HostError

__all__ = [
    "TIMEOUT_EXIT",
    "Backoff",
    "capture_stdout",
    "failure_message",
    "quote",
    "retry",
    "run",
    "start",
]

SETUP_HINT = "install it (the neko-bake README lists what a host needs)"
TIMEOUT_EXIT = 124  # what coreutils' timeout(1) returns; a timed-out command reports it
T = TypeVar("T")


def quote(cmd: Sequence[str], env: Mapping[str, str] | None = None) -> str:
    """``cmd`` as one copyable shell line, prefixed with ``NAME=value`` for ``env``."""
    assignments = [f"{key}={shlex.quote(value)}" for key, value in (env or {}).items()]
    return " ".join([*assignments, *(shlex.quote(part) for part in cmd)])


def failure_message(
    cmd: Sequence[str], returncode: int, stdout: str | None, stderr: str | None
) -> str:
    """The command, its exit code and its indented output; '(shown above)' if streamed."""
    lines = [f"command failed with exit code {returncode}:", f"    {quote(cmd)}"]
    for label, text in (("stdout", stdout), ("stderr", stderr)):
        if text is None:
            lines.append(f"{label}: (shown above)")
        elif text.strip():
            lines.append(f"{label}:")
            lines.append(textwrap.indent(text.rstrip("\n"), "    "))
        else:
            lines.append(f"{label}: (none)")
    return "\n".join(lines)


def run(
    cmd: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    capture: bool = False,
    check: bool = True,
    echo: bool = True,
    timeout: float | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd``, echoing it first; raise CommandError on failure when ``check``.

    ``env`` holds only the variables to add to (or override in) the inherited environment,
    so that the echo shows exactly what differs. Output streams to the terminal unless
    ``capture``. A timeout kills the command and reports exit code ``TIMEOUT_EXIT``.
    """
    full_env = {**os.environ, **(env or {})}
    if shutil.which(cmd[0], path=full_env.get("PATH")) is None:
        raise HostError(f"{cmd[0]}: command not found; {SETUP_HINT}")
    if echo:
        where = f"  # in {cwd}" if cwd is not None and Path(cwd).resolve() != Path.cwd() else ""
        print(f"+ {quote(cmd, env)}{where}", file=sys.stderr, flush=True)
    try:
        proc = subprocess.run(
            list(cmd),
            cwd=cwd,
            env=full_env,
            text=True,
            capture_output=capture,
            timeout=timeout,
            **({"input": input} if input is not None else {"stdin": subprocess.DEVNULL}),
        )
    except subprocess.TimeoutExpired as exc:
        proc = _timed_out(cmd, exc, capture)
    if check and proc.returncode != 0:
        raise CommandError(failure_message(cmd, proc.returncode, *_outputs(proc, capture)))
    return proc


def start(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    echo: bool = True,
    cwd: Path | None = None,
) -> subprocess.Popen[str]:
    """Start ``cmd`` with stdout and stderr merged into one pipe, read line by line.

    The child gets a session of its own, so a Ctrl-C at the terminal reaches bake only:
    bake then stops its children itself (``docker run`` would otherwise forward the
    signal to the container's PID 1, which ignores it, and keep waiting).
    """
    full_env = {**os.environ, **(env or {})}
    if shutil.which(cmd[0], path=full_env.get("PATH")) is None:
        raise HostError(f"{cmd[0]}: command not found; {SETUP_HINT}")
    if echo:
        print(f"+ {quote(cmd, env)}", file=sys.stderr, flush=True)
    return subprocess.Popen(
        list(cmd),
        cwd=cwd,
        env=full_env,
        text=True,
        errors="replace",
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def capture_stdout(
    cmd: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    echo: bool = False,
) -> str:
    """Run ``cmd`` quietly and return its stdout; raise CommandError if it fails."""
    return run(cmd, cwd=cwd, env=env, capture=True, echo=echo).stdout


def _outputs(
    proc: subprocess.CompletedProcess[str], capture: bool
) -> tuple[str | None, str | None]:
    if not capture:
        return None, None
    return proc.stdout or "", proc.stderr or ""


def _timed_out(
    cmd: Sequence[str], exc: subprocess.TimeoutExpired, capture: bool
) -> subprocess.CompletedProcess[str]:
    def text(value: str | bytes | None) -> str:
        return value.decode(errors="replace") if isinstance(value, bytes) else (value or "")

    note = f"\n(timed out after {exc.timeout:g} s and was killed)\n"
    if not capture:
        print(note.strip(), file=sys.stderr, flush=True)
    return subprocess.CompletedProcess(
        list(cmd),
        TIMEOUT_EXIT,
        text(exc.output) if capture else None,
        (text(exc.stderr) + note) if capture else None,
    )


class Backoff:
    """Bounded exponential backoff: ``attempts`` tries, waits doubling from ``first`` to
    at most ``cap`` seconds, with jitter so parallel retries do not hit a registry at once.
    ``BAKE_RETRIES`` (attempts) and ``BAKE_RETRY_DELAY`` (first wait) tune it."""

    def __init__(
        self,
        attempts: int | None = None,
        first: float | None = None,
        cap: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.attempts = attempts or options.value(options.RETRIES, env=os.environ)
        self.first = (
            first if first is not None else options.value(options.RETRY_DELAY, env=os.environ)
        )
        self.cap = cap
        self.sleep = sleep

    def wait(self, attempt: int) -> float:
        """The pause after failed try number ``attempt`` (1-based)."""
        delay = min(self.cap, self.first * 2 ** (attempt - 1))
        return float(delay * random.uniform(0.75, 1.0))


def retry(
    action: Callable[[], T],
    *,
    what: str,
    transient: Callable[[BaseException], bool],
    backoff: Backoff | None = None,
) -> T:
    """Run ``action``; when it raises an error ``transient`` accepts (a 5xx, a reset or
    refused connection, a timeout), say so and try again with backoff. Any other error,
    or the last try's, is raised as it is."""
    backoff = backoff or Backoff()
    for attempt in range(1, backoff.attempts + 1):
        try:
            return action()
        except Exception as exc:
            if attempt == backoff.attempts or not transient(exc):
                raise
            pause = backoff.wait(attempt)
            first_line = (
                str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            )
            print(
                f"retry: {what}: {first_line} (try {attempt} of {backoff.attempts}; "
                f"again in {pause:.1f}s)",
                file=sys.stderr,
                flush=True,
            )
            backoff.sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover
