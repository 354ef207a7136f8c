"""Two sessions on one host at once: each tests, and pushes, the images it built itself.

What sessions share on a host: the local image store (``test-firefox-all`` and
``push-firefox`` both load ``<registry>/firefox:latest``, and a later load moves the tag:
the earlier image is gone from the store), the generated bake files (written atomically
and only when their content changes, so concurrent writers write the same bytes), and the
daemon's containers (each run labels its own, see ``bake.containers``).

Loading is the one step that cannot overlap: two builds that load the same name at the
same moment make one of them fail (``image "…:latest": already exists``). So sessions
whose selections load a common name take turns for the build (``loading``: one lock file
per name in the temp folder); sessions with nothing in common build side by side.

And a test or push run *pins* what it built: bake writes the digest of every image it
loaded to a metadata file of the run's own, and the run tags exactly that digest under a
run-private name, ``bake.invalid/run-<id>/<image>:tested`` (the ``.invalid`` domain can
never be pushed to). The smoke tests run the pinned images, the push sends the pinned
digest (re-pointing a tag another run moved meanwhile), and the pins are removed when the
run ends. The private name never reaches the build itself, so the images and their
provenance are the same as without it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bake import run
from bake.errors import BakeError, CommandError, PipelineError
from bake.registry import repository_of

__all__ = ["PIN_REGISTRY", "Pins", "built_digests", "loading"]

PIN_REGISTRY = "bake.invalid"
DIGEST_KEY = "containerimage.digest"


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
                print(f"build: waiting for another session that loads {ref}", file=sys.stderr)
                fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _lock_name(ref: str) -> str:
    return hashlib.sha256(ref.encode()).hexdigest()[:24] + ".lock"


def built_digests(metadata: str, images: Sequence[str]) -> dict[str, str]:
    """Image → the digest bake loaded for it, from ``buildx bake --metadata-file`` JSON."""
    try:
        targets = json.loads(metadata)
    except ValueError:
        targets = {}
    found = {
        image: str(entry[DIGEST_KEY])
        for image in images
        if isinstance(entry := targets.get(image) if isinstance(targets, dict) else None, dict)
        and DIGEST_KEY in entry
    }
    missing = [image for image in images if image not in found]
    if missing:
        raise PipelineError(
            f"buildx bake's metadata names no loaded image for {', '.join(missing)}"
        )
    return found


@dataclass(frozen=True)
class Pins:
    """The run-private names of one run's images."""

    run_id: str
    images: tuple[str, ...]

    def ref(self, image: str) -> str:
        """The pinned name of ``image`` in this run."""
        return f"{PIN_REGISTRY}/run-{self.run_id}/{image}:tested"

    def pin(self, refs: Mapping[str, str], digests: Mapping[str, str]) -> None:
        """Tag ``refs[image]``'s repository at ``digests[image]`` under the pinned name."""
        for image in self.images:
            loaded = f"{repository_of(refs[image])}@{digests[image]}"
            try:
                run.run(["docker", "tag", loaded, self.ref(image)], capture=True, echo=False)
            except CommandError:
                raise PipelineError(
                    f"{refs[image]}: the image this run built ({digests[image]}) is no longer "
                    "in the local image store: another session loaded its own under the same "
                    "name at the same moment; run again"
                ) from None

    def remove(self) -> None:
        """Untag the pinned names (the images stay wherever another name points at them)."""
        refs = [self.ref(image) for image in self.images]
        try:
            run.run(["docker", "image", "rm", *refs], capture=True, check=False, echo=False)
        except BakeError:
            pass
