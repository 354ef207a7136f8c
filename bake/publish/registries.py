"""Every registry a run talks to, as one object the pipeline receives: ``Registries``.

Why an object: the plan carries it (``Plan.registries``) to the upload, the tag moves, the
read-back, the release notes and the signatures, so a unit test hands in an in-memory
registry instead of patching ``client_for``. The defaults are the real OCI client and the
reachability check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bake.publish import endpoint, registry

__all__ = ["Registries"]


@dataclass(frozen=True)
class Registries:
    """``client``: the client of a registry host; ``check``: a push target answers."""

    client: registry.ClientFor = registry.client_for
    check: Callable[[str], None] = endpoint.check_registry
