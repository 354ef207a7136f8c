"""README command 2 (`.ci/run`) and then command 1 (`nox -s build-firefox`) on a brand-new
Debian 12 container, cold: no build cache, no registry, no venv; timed. This is how the
README's cold CI figure is measured (``python benchmarks/fresh_ci.py``; about an hour).

The container is the fresh-machine test's (tests/integration/test_fresh_host.py): the
seeded ``debian:bookworm-slim``, privileged, ``/var/lib/docker`` on a volume, a clone of
this repository's HEAD, the host's added CA certificates and usable pip settings only.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration import test_fresh_host as fresh  # noqa: E402

COMMANDS = (
    ("prepare", fresh.STEPS[0][1], 600),
    ("README command 2: CI=true bash .ci/run", f"cd {fresh.REPO} && CI=true bash .ci/run", 5400),
    (
        "README command 1: setup-host.sh && nox -s build-firefox",
        f"cd {fresh.REPO} && bash scripts/setup-host.sh && nox -s build-firefox",
        3600,
    ),
)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bake-fresh-ci-") as folder:
        container = fresh.container.__wrapped__(Path(folder))  # type: ignore[attr-defined]
        name = next(container)
        try:
            for label, command, timeout in COMMANDS:
                took, output = fresh.step(name, command, timeout)
                tail = "\n".join(output.splitlines()[-3:])
                print(f"{label}: {took / 60:.1f} min\n{tail}", flush=True)
        finally:
            next(container, None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
