"""The one subprocess helper: every external command of the pipeline goes through here.

Why one helper: the user should see every command as ``+ cmd`` (shell-quoted, with the
variables it was given, so it can be copied into a terminal), a missing program should
say which program and how to get it, and a failed command should show the command, its
exit code and its output once, readably, instead of a Python traceback.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

from bake.errors import CommandError, HostError

__all__ = ["TIMEOUT_EXIT", "capture_stdout", "failure_message", "quote", "run", "start"]

SETUP_HINT = "run `bash scripts/setup-host.sh` (or `nox -s setup-host`) to install it"
TIMEOUT_EXIT = 124  # what coreutils' timeout(1) returns; a timed-out command reports it


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
            stdin=subprocess.DEVNULL,
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
