"""Register a family's sessions with nox: the public helper a noxfile calls.

A repository that adopts neko-bake needs a two-line ``noxfile.py``::

    import bake.front.nox_sessions
    bake.front.nox_sessions.register()

which gives ``build-<name>``, ``test-<name>``, ``push-<name>`` for every image and group
of the nearest ``family.yaml`` (or ``$BAKE_CONFIG``), plus ``generate``, ``check`` and
``lint``. The sessions run in nox's own interpreter (no virtualenv): they drive docker.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import nox

from bake.core.errors import BakeError, ConfigError
from bake.core.interrupt import Interrupted
from bake.front import sessions
from bake.model.family import Family, load_family

__all__ = ["register"]


Commands = Sequence[Sequence[str]]


def register(
    config: str | Path | None = None,
    *,
    default: Sequence[str] = sessions.DEFAULT_SESSIONS,
    lint: Commands | Callable[[Family], Commands] = (),
) -> tuple[str, ...]:
    """Register every session of the family at ``config`` with nox; returns their names.

    ``default``: the sessions a bare ``nox`` runs (builds and pushes are always asked for
    by name). ``lint``: extra commands (argv lists, run in the family file's folder), or a
    function of the family giving them, that the ``lint`` session runs before BuildKit's
    Dockerfile check. A bad family file is the one-line error ``python -m bake`` gives
    (its exit code), not a traceback from importing the noxfile.
    """
    nox.options.default_venv_backend = "none"
    path = Path(config) if config is not None else sessions.config_path()
    try:
        family = load_family(path)  # once: the lint commands and the catalogue share it
        commands = lint(family) if callable(lint) else lint
        specs = sessions.catalogue(path, lint=commands, family=family)
    except BakeError as exc:
        print(exc if isinstance(exc, ConfigError) else f"error: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
    for spec in specs:
        _register(spec, spec.name in default)
    return tuple(spec.name for spec in specs)


def _register(spec: sessions.SessionSpec, default: bool) -> None:
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
    nox.session(name=spec.name, python=False, tags=list(spec.tags), default=default)(session)
