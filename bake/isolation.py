"""Two sessions on one host at once: each tests, and pushes, the images it built itself.

What sessions share on a host: the local image store (``test-firefox-all`` and
``push-firefox`` both load ``<registry>/firefox:latest``, and a later load moves the tag:
the earlier image is gone from the store), the generated bake files (written atomically
and only when their content changes, so concurrent writers write the same bytes), and the
daemon's containers (each run labels its own, see ``bake.containers``).

So a test or push run *pins* what it built: the same bake call also tags every image of
the selection under a run-private name, ``bake.invalid/run-<id>/<image>:tested`` (the
``.invalid`` domain can never be pushed to). The smoke tests run the pinned images, the
push sends the pinned digest (re-pointing a tag another run moved meanwhile), and the
pins are removed when the run ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from bake import run
from bake.errors import BakeError

__all__ = ["PIN_REGISTRY", "Pins"]

PIN_REGISTRY = "bake.invalid"


@dataclass(frozen=True)
class Pins:
    """The run-private names of one run's images."""

    run_id: str
    images: tuple[str, ...]

    def ref(self, image: str) -> str:
        """The pinned name of ``image`` in this run."""
        return f"{PIN_REGISTRY}/run-{self.run_id}/{image}:tested"

    def bake_args(self) -> list[str]:
        """``--set`` overrides that add the pinned name to each target's tags."""
        return [
            arg for image in self.images for arg in ("--set", f"{image}.tags+={self.ref(image)}")
        ]

    def remove(self) -> None:
        """Untag the pinned names (the images stay wherever another name points at them)."""
        refs = [self.ref(image) for image in self.images]
        try:
            run.run(["docker", "image", "rm", *refs], capture=True, check=False, echo=False)
        except BakeError:
            pass
