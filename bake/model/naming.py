"""Published names, tags and OCI labels, as a function of the bake variables.

The emitted HCL computes the same values with bake functions so that plain
``docker buildx bake`` users get them too; the oracle tests hold the two in step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bake.core import options
from bake.model.config import Config
from bake.model.family import Image

__all__ = [
    "DEFAULT_EPOCH",
    "VARIABLES",
    "cache_refs",
    "Variable",
    "Variables",
    "common_labels",
    "image_labels",
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
    found = [*variables.TAG.split(","), *semver_tags(variables.VERSION)]
    if variables.SHA:
        found.append(f"sha-{variables.SHA[:7]}")
    return tuple(dict.fromkeys(t for t in found if t))


def image_refs(image: Image, variables: Variables) -> tuple[str, ...]:
    """Every ``registry/name:tag`` the image is published as, aliases after its own name;
    each once, as bake keeps only the first of equal tags (``REGISTRY=a/x,a/x``)."""
    registries = [r for r in variables.REGISTRY.split(",") if r]
    refs = (
        f"{registry}/{name}:{tag}"
        for name in (image.name, *image.aliases)
        for registry in registries
        for tag in tags(variables)
    )
    return tuple(dict.fromkeys(refs))


def cache_refs(image: Image, variables: Variables) -> tuple[list[str], list[str]]:
    """(cache-from, cache-to) of one image: a registry cache per image, when asked for."""
    if not variables.CACHE_REGISTRY:
        return [], []
    ref = f"type=registry,ref={variables.CACHE_REGISTRY}/{image.name}:buildcache"
    return [ref], [f"{ref},mode=max"]


def static_labels(config: Config) -> dict[str, str]:
    """The OCI labels fixed by the family file (empty ones are left out); the source is
    the ``SOURCE`` variable's (its default is the family's ``source``)."""
    labels = {
        "org.opencontainers.image.licenses": config.licenses,
        "org.opencontainers.image.vendor": config.vendor,
    }
    return {key: value for key, value in labels.items() if value}


def common_labels(config: Config, variables: Variables) -> dict[str, str]:
    """Labels every image carries (before its own title and description)."""
    labels = {
        "org.opencontainers.image.source": variables.SOURCE,
        **static_labels(config),
        "org.opencontainers.image.revision": variables.SHA,
        # as the HCL says: VERSION (without a leading v) when set, else the first TAG
        "org.opencontainers.image.version": variables.VERSION.removeprefix("v")
        if variables.VERSION
        else variables.TAG.split(",")[0],
        "org.opencontainers.image.created": variables.CREATED,
    }
    return {**labels, **config.labels}


def image_labels(config: Config, image: Image, variables: Variables) -> dict[str, str]:
    """All labels of one image, as buildx resolves them."""
    own = {
        "org.opencontainers.image.title": image.name,
        "org.opencontainers.image.description": image.description,
    }
    return {**common_labels(config, variables), **own, **image.labels}
