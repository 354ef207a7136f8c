"""bake.build.isolation: run-private names, and the per-name load locks."""

from __future__ import annotations

import threading
import time

from bake.build import isolation


def test_pinned_names_are_private_to_the_run_and_cannot_be_pushed() -> None:
    pins = isolation.Pins("abc123", ("base", "hello"))
    assert pins.ref("hello") == "bake.invalid/run-abc123/hello:tested"


def _takes(refs: list[str], seconds: float = 5.0) -> float:
    """How long a thread waits for the locks of ``refs`` (up to ``seconds``)."""
    got = threading.Event()

    def take() -> None:
        with isolation.loading(refs):
            got.set()

    start = time.monotonic()
    thread = threading.Thread(target=take, daemon=True)
    thread.start()
    got.wait(seconds)
    return time.monotonic() - start


def test_builds_loading_a_common_name_take_turns_others_do_not() -> None:
    names = [f"r.example/lock-test-{time.time_ns()}/{n}:t" for n in ("a", "b", "c")]
    with isolation.loading(names[:2]):
        assert _takes([names[2]]) < 1.0  # nothing in common: no wait
        assert _takes([names[1]], seconds=0.5) >= 0.5  # shares b: waits
    assert _takes([names[1]]) < 1.0  # released
