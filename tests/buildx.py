"""Real `docker buildx bake --print` for the oracle tests (no daemon needed).

Under CI (the one rule of tests/ci.py) a missing buildx is a failure, not a skip: CI
must prove the emitter against the real parser.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from bake.model.naming import VARIABLES
from tests.ci import unavailable

__all__ = ["bake_print", "require_buildx"]


def require_buildx() -> None:
    """Skip (or, on CI, fail) when `docker buildx` cannot run."""
    reason = None
    if shutil.which("docker") is None:
        reason = "docker CLI not found"
    else:
        probe = subprocess.run(["docker", "buildx", "version"], capture_output=True, text=True)
        if probe.returncode != 0:
            reason = f"docker buildx not usable: {probe.stderr.strip()}"
    if reason:
        unavailable(f"{reason} (run scripts/setup-host.sh)")


def bake_print(
    bake_file: Path, targets: list[str], env: dict[str, str] | None = None
) -> dict[str, Any]:
    """What buildx resolves ``targets`` of ``bake_file`` to (the --print JSON)."""
    run_env = {k: v for k, v in os.environ.items() if k not in _VARIABLES}
    run_env.update(env or {})
    result = subprocess.run(
        ["docker", "buildx", "bake", "-f", bake_file.name, "--print", *targets],
        cwd=bake_file.parent,
        capture_output=True,
        text=True,
        env=run_env,
    )
    assert result.returncode == 0, f"buildx bake --print failed:\n{result.stderr}"
    return json.loads(result.stdout)


# bake reads these from the environment (SOURCE_DATE_EPOCH too: the bake files declare it)
_VARIABLES = (*(v.name for v in VARIABLES), "SOURCE_DATE_EPOCH")
