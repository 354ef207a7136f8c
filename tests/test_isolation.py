"""bake.isolation: what a run built (bake's metadata), and the per-name build locks."""

from __future__ import annotations

import json
import threading
import time

import pytest

from bake import isolation
from bake.errors import PipelineError


def test_built_digests_come_from_bakes_metadata() -> None:
    metadata = json.dumps(
        {
            "base": {"containerimage.digest": "sha256:aa", "image.name": "r/base:t"},
            "hello": {"containerimage.digest": "sha256:bb"},
            "other": {"buildx.build.ref": "x"},
        }
    )
    assert isolation.built_digests(metadata, ["base", "hello"]) == {
        "base": "sha256:aa",
        "hello": "sha256:bb",
    }
    with pytest.raises(PipelineError, match="no loaded image for other$"):
        isolation.built_digests(metadata, ["other"])


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
