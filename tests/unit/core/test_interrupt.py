"""bake.core.interrupt: SIGINT/SIGTERM raise Interrupted, once, and the old handlers come back."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from bake.core import interrupt
from bake.core.errors import BakeError


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_raises_interrupted_with_its_exit_code(signum: int, code: int) -> None:
    with pytest.raises(interrupt.Interrupted) as caught, interrupt.signals_stop_the_run():
        os.kill(os.getpid(), signum)
        signal.sigtimedwait([], 0.1)  # let the handler run
    assert isinstance(caught.value, BakeError)
    assert caught.value.exit_code == code
    assert str(caught.value) == f"interrupted by {signal.Signals(signum).name}"
    assert caught.value.with_message("details").exit_code == code


def test_a_second_signal_while_stopping_does_not_interrupt_the_clean_up(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cleaned = False
    with pytest.raises(interrupt.Interrupted), interrupt.signals_stop_the_run():
        try:
            os.kill(os.getpid(), signal.SIGINT)
            signal.sigtimedwait([], 0.1)
        except interrupt.Interrupted:
            assert interrupt.stopping()
            os.kill(os.getpid(), signal.SIGTERM)  # must not raise inside the clean-up
            signal.sigtimedwait([], 0.1)
            cleaned = True
            raise
    assert cleaned
    assert "already stopping" in capsys.readouterr().err


def test_handlers_are_restored_and_nesting_installs_once() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with interrupt.signals_stop_the_run():
        installed = signal.getsignal(signal.SIGTERM)
        assert installed is not before
        with interrupt.signals_stop_the_run():
            assert signal.getsignal(signal.SIGTERM) is installed
        assert signal.getsignal(signal.SIGTERM) is installed
    assert signal.getsignal(signal.SIGTERM) is before
    assert not interrupt.stopping()


def test_outside_the_main_thread_nothing_is_installed() -> None:
    seen: list[object] = []

    def worker() -> None:
        with interrupt.signals_stop_the_run():
            seen.append(signal.getsignal(signal.SIGTERM))

    before = signal.getsignal(signal.SIGTERM)
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [before]
