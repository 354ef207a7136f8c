"""The resolved family: every concrete image (its tier, chain, platforms and tests), the
groups, and how a command-line name selects them (``bake.model.family`` builds them)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bake.core.errors import UsageError
from bake.model.packages import Recipe
from bake.model.specs import Config, SmokeTest
from bake.model.yamlsource import KeyPath

__all__ = ["Family", "Group", "Image", "Tier"]


class Tier(StrEnum):
    """Where an image sits in the family: the base, an app, or an accelerator variant."""

    BASE = "base"
    APP = "app"
    ACCELERATOR = "accelerator"


@dataclass(frozen=True)
class Image:
    """One concrete image (a bake target and a repository name)."""

    name: str
    tier: Tier
    parent: str | None  # the image this one is built FROM (None for the base)
    chain: tuple[str, ...]  # image names from the base down to this one
    accelerator: str | None  # for variants: the accelerator's name
    description: str
    dockerfile: str
    context: str
    platforms: tuple[str, ...]
    args: dict[str, str]
    labels: dict[str, str]
    tests: tuple[SmokeTest, ...]  # inherited down the chain, the base's first
    aliases: tuple[str, ...]
    # The name the Dockerfile's FROM uses for the parent: bake's named-context key that
    # links it to the parent's target (None for the base).
    parent_name: str | None = None
    recipe: Recipe | None = None  # built from packages by the shared Dockerfile

    @property
    def key_path(self) -> KeyPath:
        """Where the family file defines it (an accelerator variant: at its accelerator)."""
        if self.tier == Tier.BASE:
            return ("base",)
        if self.tier == Tier.APP:
            return ("apps", self.name)
        return ("accelerators", self.accelerator or "")

    @property
    def context_name(self) -> str | None:
        """The named build context the Dockerfile uses as ``FROM`` for its parent."""
        return self.parent_name if self.parent is not None else None


@dataclass(frozen=True)
class Group:
    """A bake group: a name for a set of targets (and other groups)."""

    name: str
    description: str
    targets: tuple[str, ...]


@dataclass(frozen=True)
class Family:
    """The resolved family: images in build order (parents first) and groups."""

    config: Config
    images: tuple[Image, ...]
    groups: tuple[Group, ...]

    @property
    def root(self) -> Path:
        return self.config.root

    def image(self, name: str) -> Image:
        for image in self.images:
            if image.name == name:
                return image
        raise KeyError(name)

    def group(self, name: str) -> Group:
        for group in self.groups:
            if group.name == name:
                return group
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        """Every selectable name: images first, then groups."""
        return tuple(i.name for i in self.images) + tuple(g.name for g in self.groups)

    def canonical(self, name: str) -> str:
        """The target or group ``name`` stands for: an alias means its image."""
        for image in self.images:
            if name in image.aliases:
                return image.name
        if name not in self.names:
            hint = difflib.get_close_matches(name, self.names, n=1)
            maybe = f"; did you mean {hint[0]!r}?" if hint else ""
            raise UsageError(f"no target or group named {name!r}{maybe}")
        return name

    def select(self, name: str) -> tuple[Image, ...]:
        """The images a target, alias or group name stands for, in build order."""
        wanted = self._expand(self.canonical(name), set())
        return tuple(image for image in self.images if image.name in wanted)

    def _expand(self, name: str, seen: set[str]) -> set[str]:
        if name in (i.name for i in self.images):
            return {name}
        if name in seen:
            return set()
        seen.add(name)
        found: set[str] = set()
        for target in self.group(name).targets:
            found |= self._expand(target, seen)
        return found
