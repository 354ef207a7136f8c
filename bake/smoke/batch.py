"""All smoke checks of one image × platform in one container, each still judged alone.

Why: starting a container under QEMU costs seconds, and ``test-all`` used to start one per
check (328 for 32 image × platform cells). A batch runs the checks one after another in
one container, and keeps each check separate: it runs in a shell of its own
(``/bin/sh -c``, stdin from /dev/null), whatever it left running is killed (``kill -9 -1``
from the container's PID 1, the batch shell, which survives it) before the next check
starts, and its exit code and output are reported between two marker lines carrying a
random token (so no output can fake them). The output is the check's stdout followed by
its stderr, as when each check had a container of its own (``expect`` patterns anchored
with ``^`` rely on that): stderr waits in a temporary file (merged into stdout where
``mktemp`` fails). Files a check writes stay for the checks after it.

Everything here is pure: the script, and the ``Transcript`` that splits the container's
output back into checks. ``bake.smoke.containers`` runs it.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field

from bake.smoke.suite import Check

__all__ = ["Batch", "Began", "Ended", "Transcript", "batches", "script"]


@dataclass(frozen=True)
class Batch:
    """The checks of one image on one platform: one container's worth."""

    image: str
    platform: str
    ref: str
    checks: tuple[Check, ...]


def batches(checks: Sequence[Check]) -> tuple[Batch, ...]:
    """Group checks by image × platform (and ref), keeping first-seen order."""
    grouped: dict[tuple[str, str, str], list[Check]] = {}
    for check in checks:
        grouped.setdefault((check.image, check.platform, check.ref), []).append(check)
    return tuple(
        Batch(image, platform, ref, tuple(items))
        for (image, platform, ref), items in grouped.items()
    )


# Defines `check INDEX SCRIPT`: run one check between its markers (T holds the token).
_RUNNER = r"""E=$(mktemp 2>/dev/null) || E=
check() {
  printf '%s begin %s\n' "$T" "$1"
  if [ -n "$E" ]; then /bin/sh -c "$2" </dev/null 2>"$E"; else /bin/sh -c "$2" </dev/null 2>&1; fi
  rc=$?
  kill -9 -1 2>/dev/null
  if [ -n "$E" ]; then cat "$E"; fi
  printf '\n%s end %s %s\n' "$T" "$1" "$rc"
}"""


def script(checks: Sequence[Check], token: str) -> str:
    """The ``sh`` script that runs ``checks`` in order, each between its two markers."""
    lines = [f"T={shlex.quote(token)}", _RUNNER]
    lines += [f"check {index} {shlex.quote(check.script)}" for index, check in enumerate(checks)]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Began:
    """Check ``index`` has started."""

    index: int


@dataclass(frozen=True)
class Ended:
    """Check ``index`` has finished with ``returncode``; ``output`` is exactly its own."""

    index: int
    returncode: int
    output: str


@dataclass
class Transcript:
    """Splits a batch container's output, fed line by line, into per-check events."""

    token: str
    current: int | None = None  # the check that began and has not ended
    _lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        marker = re.escape(self.token)
        self._begin = re.compile(rf"{marker} begin (\d+)")
        self._end = re.compile(rf"{marker} end (\d+) (\d+)")

    def feed(self, line: str) -> Began | Ended | None:
        """One line of output (with its newline, if it had one)."""
        text = line.rstrip("\n")
        begin = self._begin.fullmatch(text)
        if begin:
            self.current, self._lines = int(begin.group(1)), []
            return Began(self.current)
        end = self._end.fullmatch(text)
        if end:
            output = "".join(self._lines)
            # The end marker is printed after a newline of its own: drop that newline.
            output = output[:-1] if output.endswith("\n") else output
            self.current, self._lines = None, []
            return Ended(int(end.group(1)), int(end.group(2)), output)
        self._lines.append(line)
        return None

    def pending(self) -> str:
        """Output not yet claimed by an ended check (a check cut short, or docker's errors)."""
        return "".join(self._lines)
