"""The bake functions and label expression of docker-bake.hcl, each beside its Python twin.

Plain buildx computes tags, the cache refs and the version label from the bake variables
with these HCL expressions; the pipeline computes tags from ``bake.model.naming``, and tests/oracle.py mirrors
the rest.
``TWINS`` names, for each, the Python function it must agree with;
tests/integration/test_hcl_twins.py renders both (buildx ``--print``) for several values.
"""

from __future__ import annotations

__all__ = [
    "CACHE_FROM",
    "CACHE_TO",
    "EPOCH",
    "IMAGE_TAGS",
    "TWINS",
    "VERSION_LABEL",
    "VERSION_TAGS",
]

EPOCH = "SOURCE_DATE_EPOCH"

# version_tags(version): twin of bake.model.naming.semver_tags (1.2.3 → 1.2.3, 1.2, 1).
VERSION_TAGS = (
    'length(regexall("^[0-9]+[.][0-9]+[.][0-9]+$", version)) > 0 ? '
    '[version, regex("^[0-9]+[.][0-9]+", version), regex("^[0-9]+", version)] : '
    "compact([version])"
)
# image_tags(name): twin of bake.model.naming.image_refs (the registry × tag product,
# tags as bake.model.naming.tags: TAG, VERSION's, then sha-<7>, without repeats).
IMAGE_TAGS = (
    'flatten([for registry in compact(split(",", REGISTRY)) : '
    '[for tag in distinct(compact(concat(split(",", TAG), '
    'version_tags(trimprefix(VERSION, "v")), '
    'SHA == "" ? [] : ["sha-${substr(SHA, 0, 7)}"]))) : '
    '"${registry}/${name}:${tag}"]])'
)
# cache_from(name), cache_to(name): twin of tests/oracle.py cache_refs (from, to); only
# buildx computes these at run time, so their Python twin is a test oracle.
CACHE_FROM = (
    'CACHE_REGISTRY == "" ? [] : ["type=registry,ref=${CACHE_REGISTRY}/${name}:buildcache"]'
)
CACHE_TO = 'CACHE_REGISTRY == "" ? [] : ["type=registry,ref=${CACHE_REGISTRY}/${name}:buildcache,mode=max"]'
# org.opencontainers.image.version: twin of tests/oracle.py common_labels's version.
VERSION_LABEL = 'VERSION != "" ? trimprefix(VERSION, "v") : split(",", TAG)[0]'

# HCL expression → the Python function computing the same: bake.model.naming's, or
# tests/oracle.py's where only buildx computes it at run time.
TWINS = {
    "version_tags": (VERSION_TAGS, "semver_tags"),
    "image_tags": (IMAGE_TAGS, "image_refs"),
    "cache_from": (CACHE_FROM, "cache_refs"),
    "cache_to": (CACHE_TO, "cache_refs"),
    "org.opencontainers.image.version": (VERSION_LABEL, "common_labels"),
}
