"""Ctrl-C and SIGTERM during a run: stop at once, clean up, say what was left undone.

Why a handler of our own: Python's default SIGINT raises KeyboardInterrupt wherever the
main thread happens to be, and its default SIGTERM kills the process on the spot, so a
run killed by SIGTERM leaves its test containers behind. Inside ``signals_stop_the_run()``
both signals raise ``Interrupted`` (a BakeError carrying exit code 128 + signal number)
in the main thread; the code that started containers catches it, removes them and raises
it again with a message that lists what did not run. While that clean-up runs, a second
signal does not interrupt it (that is what used to leave a container running): it only
prints that the run is already stopping.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from bake.core.errors import BakeError

__all__ = ["SIGNALS", "Interrupted", "signals_stop_the_run", "stopping"]

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BakeError):
    """The run was stopped by a signal; ``exit_code`` is 128 + its number (130, 143)."""

    def __init__(self, signum: int, message: str = "") -> None:
        self.signum = signum
        self.exit_code = 128 + signum
        name = signal.Signals(signum).name
        super().__init__(message or f"interrupted by {name}")

    def with_message(self, message: str) -> Interrupted:
        """The same interruption, explained (what was done, what was not)."""
        return Interrupted(self.signum, message)


_state = {"depth": 0, "stopping": False}


def stopping() -> bool:
    """Whether a signal has asked the current run to stop."""
    return bool(_state["stopping"])


def _handler(signum: int, _frame: FrameType | None) -> None:
    if _state["stopping"]:
        name = signal.Signals(signum).name
        print(f"{name}: already stopping; removing this run's containers", file=sys.stderr)
        return
    _state["stopping"] = True
    raise Interrupted(signum)


@contextmanager
def signals_stop_the_run() -> Iterator[None]:
    """SIGINT and SIGTERM raise ``Interrupted`` while inside; nested uses are no-ops.

    Outside the main thread (where Python cannot install handlers) it changes nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if _state["depth"]:
        _state["depth"] += 1
        try:
            yield
        finally:
            _state["depth"] -= 1
        return
    previous = {signum: signal.signal(signum, _handler) for signum in SIGNALS}
    _state["depth"], _state["stopping"] = 1, False
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _state["depth"], _state["stopping"] = 0, False
