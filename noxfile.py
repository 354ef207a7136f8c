"""nox sessions for the image family, generated from family.yaml by bake.sessions.

    nox -l                       # the catalogue (nox -l --json for a CI matrix)
    nox -s build-firefox         # build one image (its base via bake contexts)
    nox -s test-nvidia           # build + QEMU smoke tests of a group
    nox -s push-all -- REGISTRY=127.0.0.1:5000/neko TAG=dev   # NAME=value sets a bake variable
    nox -s build-base -- --no-cache                           # anything else goes to buildx
    nox -t test                  # every session tagged "test"

Sessions drive docker and need no virtualenv (python=False): bake's dependencies are
installed globally from requirements.txt by scripts/setup-host.sh.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nox

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bake import sessions  # noqa: E402
from bake.errors import BakeError, ConfigError  # noqa: E402
from bake.interrupt import Interrupted  # noqa: E402

nox.options.default_venv_backend = "none"


def _register(spec: sessions.SessionSpec) -> None:
    def session(session: nox.Session) -> None:
        try:
            spec.action(session.posargs)
        except Interrupted as exc:
            # Containers are removed by now; stop nox too (exit 130), not just this session.
            session.warn(str(exc))
            raise KeyboardInterrupt from None
        except BakeError as exc:
            session.error(str(exc))

    session.__doc__ = spec.description
    session.__name__ = spec.name.replace("-", "_")
    # Only the chores run on a bare `nox`; builds and pushes are always asked for by name.
    default = spec.name in sessions.DEFAULT_SESSIONS
    nox.session(name=spec.name, python=False, tags=list(spec.tags), default=default)(session)


def _catalogue() -> tuple[sessions.SessionSpec, ...]:
    """The sessions; a bad family file is the same one-line error as `python -m bake`
    gives (exit 2), not a traceback from importing this file."""
    try:
        return sessions.catalogue()
    except BakeError as exc:
        print(exc if isinstance(exc, ConfigError) else f"error: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from None


for _spec in _catalogue():
    _register(_spec)
