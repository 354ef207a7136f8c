"""Published names, tags and OCI labels, as a function of the bake variables.

The emitted HCL computes the same values with bake functions so that plain
``docker buildx bake`` users get them too; the oracle tests hold the two in step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bake.core import options
from bake.model.family import Image
from bake.model.specs import Config

__all__ = [
    "DEFAULT_EPOCH",
    "VARIABLES",
    "Variable",
    "Variables",
    "image_refs",
    "semver_tags",
    "static_labels",
    "tags",
]

DEFAULT_EPOCH = options.EPOCH.default  # SOURCE_DATE_EPOCH of every build (bake.build.export)
_SEMVER = re.compile(r"^[0-9]+[.][0-9]+[.][0-9]+$")


@dataclass(frozen=True)
class Variable:
    """A bake variable: its name, its description, and where its default comes from."""

    name: str
    description: str


VARIABLES = (
    Variable("REGISTRY", "Registry and namespace to publish under; comma-separate several"),
    Variable("TAG", "Tags to publish, comma-separated; include 'latest' to move it"),
    Variable("VERSION", "Release version: 1.2.3 also publishes 1.2 and 1 (a v prefix is dropped)"),
    Variable("SHA", "Git commit: the revision label, and a sha-<first 7> tag when set"),
    Variable("CREATED", "Build time (RFC 3339) for the org.opencontainers.image.created label"),
    Variable("SOURCE", "Repository URL for the org.opencontainers.image.source label"),
    Variable(
        "CACHE_REGISTRY",
        "Registry/namespace for the build cache (<image>:buildcache, mode=max); empty: none",
    ),
)


@dataclass(frozen=True)
class Variables:
    """Values of the bake variables for one run (defaults from the family file)."""

    REGISTRY: str
    TAG: str
    VERSION: str = ""
    SHA: str = ""
    CREATED: str = ""
    CACHE_REGISTRY: str = ""
    SOURCE: str = ""

    @property
    def registries(self) -> tuple[str, ...]:
        """``REGISTRY``, parsed: each registry/namespace (empty parts left out)."""
        return tuple(r for r in self.REGISTRY.split(",") if r)

    @property
    def tag_list(self) -> tuple[str, ...]:
        """``TAG``, parsed: each part as written (an empty part kept, for the check)."""
        return tuple(self.TAG.split(",")) if self.TAG else ()

    @classmethod
    def defaults(cls, config: Config) -> Variables:
        return cls(REGISTRY=config.registry, TAG=",".join(config.tags), SOURCE=config.source)

    @classmethod
    def from_env(cls, config: Config, env: Mapping[str, str]) -> Variables:
        """Like bake: a variable set in the environment (even to "") wins over the default."""
        defaults = cls.defaults(config)
        values = {v.name: env.get(v.name, getattr(defaults, v.name)) for v in VARIABLES}
        return cls(**values)


def semver_tags(version: str) -> tuple[str, ...]:
    """``1.2.3`` → (1.2.3, 1.2, 1); any other non-empty version → itself alone."""
    version = version.removeprefix("v")
    if not version:
        return ()
    if _SEMVER.match(version):
        major, minor, _ = version.split(".")
        return (version, f"{major}.{minor}", major)
    return (version,)


def tags(variables: Variables) -> tuple[str, ...]:
    """Every tag of a run, in order, without repeats: TAG, VERSION's, then sha-<7>."""
    found = [*variables.tag_list, *semver_tags(variables.VERSION)]
    if variables.SHA:
        found.append(f"sha-{variables.SHA[:7]}")
    return tuple(dict.fromkeys(t for t in found if t))


def image_refs(image: Image, variables: Variables) -> tuple[str, ...]:
    """Every ``registry/name:tag`` the image is published as, aliases after its own name;
    each once, as bake keeps only the first of equal tags (``REGISTRY=a/x,a/x``)."""
    refs = (
        f"{registry}/{name}:{tag}"
        for name in (image.name, *image.aliases)
        for registry in variables.registries
        for tag in tags(variables)
    )
    return tuple(dict.fromkeys(refs))


def static_labels(config: Config) -> dict[str, str]:
    """The OCI labels fixed by the family file (empty ones are left out); the source is
    the ``SOURCE`` variable's (its default is the family's ``source``)."""
    labels = {
        "org.opencontainers.image.licenses": config.licenses,
        "org.opencontainers.image.vendor": config.vendor,
    }
    return {key: value for key, value in labels.items() if value}
