"""Two sessions on one host at once: each tests the images it built itself.

What sessions share on a host: the local image store (``test-firefox-all`` and
``push-firefox`` both load ``<registry>/firefox:latest``, and a later load moves the tag:
the earlier image is gone from the store), the generated bake files (written atomically
and only when their content changes, so concurrent writers write the same bytes), and the
daemon's containers (each run labels its own, see ``bake.smoke.containers``). Each run's OCI
tars sit in a temporary folder of its own.

Loading is the one step that must not overlap: two loads of the same name at the same
moment can make one fail, or make the check that the loaded image is the run's own tar
see the other run's. So sessions whose selections load a common name take turns for the
loads (``loading``: one lock file per name in the temp folder); the builds themselves,
and sessions with nothing in common, run side by side.

And a test, stage or push run *pins* what it loaded: still holding those locks, right
after ``bake.build.export.load`` has checked that each loaded name is the run's own tar, it
tags that image under a run-private name, ``bake.invalid/run-<id>/<image>:tested`` (the
``.invalid`` domain can never be pushed to). The smoke tests run the pinned images, and
the pins are removed when the run ends. (An upload sends the tested tar itself.) The
private name never reaches the build, so the images and their provenance are the same as
without it.
"""

from __future__ import annotations

import fcntl
import hashlib
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bake.core.docker import Docker
from bake.core.errors import BakeError

__all__ = ["PIN_REGISTRY", "Pins", "loading"]

PIN_REGISTRY = "bake.invalid"


@contextmanager
def loading(refs: Iterable[str]) -> Iterator[None]:
    """Hold the host-wide lock of every name in ``refs`` (taken in one order: no deadlock)."""
    folder = Path(tempfile.gettempdir()) / "bake-locks"
    folder.mkdir(exist_ok=True)
    with ExitStack() as stack:
        for ref in sorted(set(refs)):
            handle = stack.enter_context(open(folder / _lock_name(ref), "a"))
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print(f"load: waiting for another session that loads {ref}", file=sys.stderr)
                fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _lock_name(ref: str) -> str:
    return hashlib.sha256(ref.encode()).hexdigest()[:24] + ".lock"


@dataclass(frozen=True)
class Pins:
    """The run-private names of one run's images."""

    run_id: str
    images: tuple[str, ...]
    docker: Docker = field(default_factory=Docker)

    def ref(self, image: str) -> str:
        """The pinned name of ``image`` in this run."""
        return f"{PIN_REGISTRY}/run-{self.run_id}/{image}:tested"

    def pin(self, loaded: Mapping[str, str]) -> None:
        """Tag each image's loaded ref (``loaded[image]``) under its pinned name."""
        for image in self.images:
            tag = ["docker", "tag", loaded[image], self.ref(image)]
            self.docker.run(tag, capture=True, echo=False)

    def remove(self) -> None:
        """Untag the pinned names (the images stay wherever another name points at them)."""
        refs = [self.ref(image) for image in self.images]
        try:
            self.docker.run(["docker", "image", "rm", *refs], capture=True, check=False, echo=False)
        except BakeError:
            pass
