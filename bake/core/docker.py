"""The commands a run starts, as one object the pipeline receives: ``Docker``.

Why an object and not ``bake.core.run`` called from every module: the plan carries it
(``Plan.docker``) down to every step that runs ``docker`` (and ``git`` and ``cosign``
beside it), so a unit test hands in a small fake that answers the commands instead of
patching module globals. The defaults are the real runner, ``shutil.which`` and the
kernel's binfmt_misc folder (the handlers that let the daemon run foreign platforms).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bake.core import run as run_module

__all__ = ["BINFMT_ROOT", "Docker"]

BINFMT_ROOT = Path("/proc/sys/fs/binfmt_misc")


@dataclass(frozen=True)
class Docker:
    """``run`` and ``start`` have ``bake.core.run.run``'s and ``start``'s signatures."""

    run: Callable[..., subprocess.CompletedProcess[str]] = run_module.run
    start: Callable[..., subprocess.Popen[str]] = run_module.start
    which: Callable[[str], str | None] = shutil.which
    binfmt_root: Path = BINFMT_ROOT

    def capture(
        self,
        cmd: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        echo: bool = False,
    ) -> str:
        """Run ``cmd`` quietly and return its stdout; raise CommandError if it fails."""
        return self.run(cmd, cwd=cwd, env=env, capture=True, echo=echo).stdout
