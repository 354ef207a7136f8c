"""The bake targets of images built from packages (``bake.model.packages``): the abstract
``_packages`` that carries the shared Dockerfile inline, one ``_<accelerator>-packages``
per accelerator built from packages, and what an app's own target adds.

The Dockerfile travels inside the bake file (``dockerfile-inline``), not as a path: the
committed bake files then build with plain buildx on any machine, without Python and
without knowing where the ``bake`` package is installed.
"""

from __future__ import annotations

from typing import Any

from bake.model.packages import Recipe, build_args, dockerfile_for, dockerfile_text
from bake.model.specs import ImageSpec

__all__ = ["PACKAGES_TARGET", "Text", "accelerator_target", "packages_target", "recipe_fields"]

PACKAGES_TARGET = "_packages"


class Text(str):
    """A literal multi-line text (a Dockerfile): an HCL heredoc, so the bake file shows it
    line by line instead of as one escaped string."""


def packages_target() -> dict[str, Any]:
    """``_packages``: the shared Dockerfile, inherited by every image built from packages."""
    return {
        "description": "Shared by every image built from packages: the Dockerfile "
        "bake/data/packages.Dockerfile of neko-bake, inlined",
        "dockerfile-inline": Text(dockerfile_text()),
    }


def accelerator_target(
    spec: ImageSpec, recipe: Recipe, platforms: tuple[str, ...]
) -> dict[str, Any]:
    """``_<accelerator>-packages``: what its variants add to ``_<accelerator>`` (a variant
    an app builds from its own Dockerfile inherits ``_<accelerator>`` only)."""
    return {
        "description": f"Every {spec.name} variant built from its packages "
        "(not an app's own Dockerfile for it)",
        "inherits": [f"_{spec.name}", PACKAGES_TARGET],
        **recipe_fields(recipe),
        "args": {"PARENT": "app", **build_args(recipe, spec.name, platforms)},
    }


def recipe_fields(recipe: Recipe) -> dict[str, Any]:
    """What a target built from packages adds to ``_packages``: the files context and, for
    ``env``, its own copy of the Dockerfile with the ENV lines."""
    fields: dict[str, Any] = {}
    if recipe.env:
        fields["dockerfile-inline"] = Text(dockerfile_for(recipe))
    if recipe.files is not None:
        fields["contexts"] = {"files": recipe.files}
    return fields
