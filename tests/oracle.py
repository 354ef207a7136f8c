"""What the emitted HCL's functions compute, in Python: the oracle tests hold the two in
step (bake.emit.document writes the HCL; nothing in bake calls these)."""

from __future__ import annotations

from bake.model.family import Image
from bake.model.naming import Variables, static_labels
from bake.model.specs import Config

__all__ = ["cache_refs", "common_labels", "image_labels"]


def cache_refs(image: Image, variables: Variables) -> tuple[list[str], list[str]]:
    """(cache-from, cache-to) of one image: a registry cache per image, when asked for."""
    if not variables.CACHE_REGISTRY:
        return [], []
    ref = f"type=registry,ref={variables.CACHE_REGISTRY}/{image.name}:buildcache"
    return [ref], [f"{ref},mode=max"]


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
