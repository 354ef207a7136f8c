"""Family → one bake document (plain dicts) → HCL text (python-hcl2's layout) and JSON text.

Both renderings come from the same document, so they cannot drift apart. Strings are
literals unless wrapped in ``Expr`` (bake.emit.literals); the functions' expressions are
in bake.emit.functions, beside the names of their Python twins.
"""

from __future__ import annotations

import json
import posixpath
from typing import Any

from bake.emit import hcl
from bake.emit.functions import (
    CACHE_FROM,
    CACHE_TO,
    EPOCH,
    IMAGE_TAGS,
    VERSION_LABEL,
    VERSION_TAGS,
)
from bake.emit.literals import Expr, hcl_block, hcl_string, json_value
from bake.emit.package_targets import (
    PACKAGES_TARGET,
    accelerator_target,
    packages_target,
    recipe_fields,
)
from bake.model.family import Family, Image, Tier
from bake.model.naming import DEFAULT_EPOCH, VARIABLES, Variables, static_labels
from bake.model.packages import build_args
from bake.model.specs import BASE_NAME

__all__ = [
    "Expr",
    "bake_document",
    "dockerfile_in_context",
    "hcl_data",
    "hcl_string",
    "render_hcl",
    "render_json",
]

HEADER = """\
# docker-bake.hcl: GENERATED from {source} by `python -m bake generate`. Do not edit.
# Regenerate with `python -m bake generate`; CI runs `python -m bake check`.
#
# Plain buildx works without Python:
#   docker buildx bake --list targets       # what can be built
#   docker buildx bake {example:<20} # one image (its base is built first)
#   REGISTRY=ghcr.io/you TAG=latest VERSION=1.2.3 docker buildx bake --push all
"""


def dockerfile_in_context(dockerfile: str, context: str) -> str:
    """bake resolves ``dockerfile`` relative to ``context``; the YAML gives repo paths."""
    return posixpath.relpath(dockerfile, context)


def bake_document(family: Family) -> dict[str, dict[str, dict[str, Any]]]:
    """The whole bake file as plain data: variables, functions, targets, groups."""
    defaults = Variables.defaults(family.config)
    return {
        "variable": {
            v.name: {
                "type": Expr("string"),
                "default": getattr(defaults, v.name),
                "description": v.description,
            }
            for v in VARIABLES
        }
        | {
            # What the pipeline sets (bake.build.export): plain bake then builds the same layers,
            # shares the pipeline's cache, and with rewrite-timestamp=true the same manifests.
            EPOCH: {
                "type": Expr("string"),
                "default": DEFAULT_EPOCH,
                "description": "File and image timestamps (seconds since 1970); 0 as the pipeline",
            }
        },
        "function": {
            "version_tags": {"params": [Expr("version")], "result": Expr(VERSION_TAGS)},
            "image_tags": {"params": [Expr("name")], "result": Expr(IMAGE_TAGS)},
            "cache_from": {"params": [Expr("name")], "result": Expr(CACHE_FROM)},
            "cache_to": {"params": [Expr("name")], "result": Expr(CACHE_TO)},
        },
        "target": {**_abstract_targets(family), **_image_targets(family)},
        "group": {
            g.name: {"description": g.description, "targets": list(g.targets)}
            for g in family.groups
        },
    }


def _abstract_targets(family: Family) -> dict[str, dict[str, Any]]:
    """``_common`` → ``_app`` and ``_<accelerator>``: what each tier shares."""
    config = family.config
    labels: dict[str, Any] = {
        "org.opencontainers.image.source": Expr("SOURCE"),
        **static_labels(config),
        "org.opencontainers.image.revision": Expr("SHA"),
        "org.opencontainers.image.version": Expr(VERSION_LABEL),
        "org.opencontainers.image.created": Expr("CREATED"),
        **config.labels,
    }
    base = family.image(BASE_NAME)
    shared = _shared_app_context(family)
    targets: dict[str, dict[str, Any]] = {
        "_common": _drop_empty(
            {
                "description": "Shared by every image: platforms, OCI labels, build args",
                "platforms": list(config.platforms),
                "labels": labels,
                "args": {EPOCH: Expr(EPOCH), **config.args},
            }
        ),
        "_app": _drop_empty(
            {
                "description": "Shared by every app: built FROM the base via "
                + (f"the {shared!r} context" if shared else "each app's named context"),
                "inherits": ["_common"],
                "contexts": {shared: f"target:{base.name}"} if shared else None,
                "platforms": _narrowed(list(config.platforms), base.platforms),
            }
        ),
    }
    if any(image.recipe is not None for image in family.images):
        targets[PACKAGES_TARGET] = packages_target()
    return targets | _accelerator_targets(family)


def _accelerator_targets(family: Family) -> dict[str, dict[str, Any]]:
    """``_<accelerator>`` (and ``_<accelerator>-packages`` for a recipe) per accelerator."""
    config = family.config
    targets: dict[str, dict[str, Any]] = {}
    for spec in config.accelerators:
        platforms = _narrowed(list(config.platforms), spec.platforms)
        build: dict[str, Any] = {}
        if spec.recipe is None:
            build["context"] = spec.context
            build["dockerfile"] = dockerfile_in_context(spec.dockerfile, spec.context)
        targets[f"_{spec.name}"] = _drop_empty(
            {
                "description": f"Shared by every {spec.name} variant: {spec.description}",
                "inherits": ["_common"],
                **build,
                "platforms": platforms,
                "args": dict(spec.args),
                "labels": dict(spec.labels),
            }
        )
        if spec.recipe is not None:
            built_for = tuple(platforms or config.platforms)
            targets[f"_{spec.name}-packages"] = accelerator_target(spec, spec.recipe, built_for)
    return targets


def _shared_app_context(family: Family) -> str | None:
    """The context name ``_app`` links to the base, when every app uses the same one.
    (bake merges inherited ``contexts`` maps key by key: an app that named its parent
    otherwise would keep ``_app``'s link too, so then each app carries its own.)"""
    names = {i.parent_name for i in family.images if i.tier == Tier.APP}
    return names.pop() if len(names) == 1 else None


def _image_targets(family: Family) -> dict[str, dict[str, Any]]:
    return {image.name: _image_target(family, image) for image in family.images}


def _image_target(family: Family, image: Image) -> dict[str, Any]:
    inherited = _inherited_platforms(family, image)
    target: dict[str, Any] = {
        "description": image.description,
        "inherits": [_tier_target(image)],
    }
    if image.tier == Tier.ACCELERATOR and image.recipe is not None:
        target["inherits"] = [f"_{image.accelerator}-packages"]
    recipe = image.recipe if image.tier != Tier.ACCELERATOR else None
    if recipe is not None:
        target["inherits"].append(PACKAGES_TARGET)
        target |= recipe_fields(recipe)
    elif image.tier != Tier.ACCELERATOR or _differs_from_accelerator(family, image):
        target["context"] = image.context
        target["dockerfile"] = dockerfile_in_context(image.dockerfile, image.context)
    if image.parent is not None and image.context_name and not _shares_context(family, image):
        parent = {image.context_name: f"target:{image.parent}"}
        target["contexts"] = {**parent, **target.get("contexts", {})}
    if list(image.platforms) != inherited:
        target["platforms"] = list(image.platforms)
    if image.tier != Tier.ACCELERATOR:
        target["args"] = dict(image.args)
        if recipe is not None:
            target["args"] |= build_args(recipe, image.name, image.platforms)
    tags = [f'image_tags("{name}")' for name in (image.name, *image.aliases)]
    target["tags"] = Expr(tags[0] if len(tags) == 1 else f"concat({', '.join(tags)})")
    target["cache-from"] = Expr(f'cache_from("{image.name}")')
    target["cache-to"] = Expr(f'cache_to("{image.name}")')
    own = {
        "org.opencontainers.image.title": image.name,
        "org.opencontainers.image.description": image.description,
    }
    # A variant's labels are its accelerator's, in _<accelerator>; the target's own title
    # and description would beat them there, so a label the user set for those keys
    # comes down to the target too (the image's labels always win, as for apps).
    labels = image.labels if image.tier != Tier.ACCELERATOR else {}
    target["labels"] = {**own, **labels, **{k: v for k, v in image.labels.items() if k in own}}
    return _drop_empty(target)


def _shares_context(family: Family, image: Image) -> bool:
    """Whether the image's parent link comes from ``_app`` already."""
    return (
        image.tier == Tier.APP
        and image.parent == BASE_NAME
        and image.context_name == _shared_app_context(family)
    )


def _tier_target(image: Image) -> str:
    if image.tier == Tier.BASE:
        return "_common"
    return "_app" if image.tier == Tier.APP else f"_{image.accelerator}"


def _differs_from_accelerator(family: Family, image: Image) -> bool:
    """A per-app override: its own Dockerfile, or the shared one in its own context."""
    spec = next(s for s in family.config.accelerators if s.name == image.accelerator)
    return (image.dockerfile, image.context) != (spec.dockerfile, spec.context)


def _inherited_platforms(family: Family, image: Image) -> list[str]:
    """The platforms a target gets from its abstract parent if it sets none itself."""
    config = family.config
    if image.tier == Tier.BASE:
        return list(config.platforms)
    if image.tier == Tier.APP:
        return list(family.image(BASE_NAME).platforms)
    spec = next(s for s in config.accelerators if s.name == image.accelerator)
    return list(_narrowed(list(config.platforms), spec.platforms) or config.platforms)


def _narrowed(outer: list[str], inner: tuple[str, ...] | None) -> list[str] | None:
    """``inner`` within ``outer`` when it narrows it; None when nothing changes."""
    narrowed = [p for p in outer if inner is None or p in inner]
    return None if narrowed == outer else narrowed


def _drop_empty(block: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in block.items() if v is not None and v != {} and v != []}


def hcl_data(family: Family) -> dict[str, list[dict[str, dict[str, Any]]]]:
    """The bake document in python-hcl2's dict form, every literal already rendered."""
    return {
        kind: [{hcl_string(name): hcl_block(body)} for name, body in blocks.items()]
        for kind, blocks in bake_document(family).items()
    }


def render_hcl(family: Family, source: str) -> str:
    """The bake document as HCL, with a header saying it is generated and from what."""
    example = family.images[1].name if len(family.images) > 1 else family.images[0].name
    header = HEADER.format(source=source, example=example)
    return header + "\n" + hcl.dumps(hcl_data(family)) + "\n"


def render_json(family: Family) -> str:
    """The same bake document in bake's JSON form (HCL JSON syntax)."""
    document = bake_document(family)
    data: dict[str, Any] = {
        kind: {name: {k: json_value(v) for k, v in body.items()} for name, body in blocks.items()}
        for kind, blocks in document.items()
    }
    # In HCL JSON, parameter names and type constraints are bare words, not templates.
    for name, body in document["function"].items():
        data["function"][name]["params"] = [str(p) for p in body["params"]]
    for name, body in document["variable"].items():
        data["variable"][name]["type"] = str(body["type"])
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
