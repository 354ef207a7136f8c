"""The bake variables of one run are input too: check them before any work starts.

buildx would happily publish ``VERSION=not-a-version`` as a tag, ``SHA=zzz`` as
``sha-zzz``, and build with no tags at all when ``REGISTRY`` is empty. Each bad value is
one ``ConfigError`` naming where it came from (the environment or a ``NAME=value``
argument), exit code 2, like a bad family file.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping

from bake.core.errors import ConfigError
from bake.model.naming import VARIABLES, Variables, tags
from bake.model.schema import REGISTRY_RE, TAG_RE
from bake.model.values import registry_problem

__all__ = ["SEMVER_RE", "check_variables", "origins"]

# MAJOR.MINOR.PATCH with an optional pre-release (a "+build" part cannot be in a tag).
SEMVER_RE = re.compile(
    r"^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)
SHA_RE = re.compile(r"^(?:[0-9a-fA-F]{7,40}|[0-9a-fA-F]{64})$")
RFC3339_RE = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)


def origins(env: Mapping[str, str], overrides: Mapping[str, str], default: str) -> dict[str, str]:
    """Where each variable's value came from, for the error message."""
    return {
        v.name: "argument" if v.name in overrides else "environment" if v.name in env else default
        for v in VARIABLES
    }


def check_variables(variables: Variables, where: Mapping[str, str]) -> None:
    """Raise the first problem of ``variables``; ``where`` maps a name to its origin."""
    for name, problem in _problems(variables):
        raise ConfigError(where.get(name, "environment"), name, problem)


def _problems(v: Variables) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if not v.REGISTRY:
        problems.append(("REGISTRY", "is empty: every image needs a registry/namespace name"))
    elif problem := registry_problem(v.REGISTRY):
        problems.append(("REGISTRY", problem))
    for tag in v.tag_list:
        if not TAG_RE.fullmatch(tag):
            message = f"{tag!r} is not a valid image tag ([A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}, comma-separated, no spaces)"
            problems.append(("TAG", message))
    if v.VERSION and not SEMVER_RE.fullmatch(v.VERSION):
        problems.append(
            (
                "VERSION",
                f"{v.VERSION!r} is not a semantic version (1.2.3, v1.2.3 or 1.2.3-rc.1); "
                f"for a plain tag use TAG={v.VERSION} instead",
            )
        )
    if v.SHA and not SHA_RE.fullmatch(v.SHA):
        problems.append(("SHA", f"{v.SHA!r} is not a git commit: expected 7 to 40 hex digits"))
    if v.CREATED and not _rfc3339(v.CREATED):
        message = f"{v.CREATED!r} is not an RFC 3339 time (e.g. 2026-11-28T09:00:00Z)"
        problems.append(("CREATED", message))
    if v.CACHE_REGISTRY and not REGISTRY_RE.fullmatch(v.CACHE_REGISTRY):
        message = f"{v.CACHE_REGISTRY!r} is not one registry/namespace (e.g. ghcr.io/you/cache)"
        problems.append(("CACHE_REGISTRY", message))
    if not problems and not tags(v):
        problems.append(("TAG", "no tag to publish: TAG, VERSION and SHA are all empty"))
    return problems


def _rfc3339(text: str) -> bool:
    if not RFC3339_RE.fullmatch(text):
        return False
    try:
        datetime.datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return False
    return True
