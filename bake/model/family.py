"""Resolve the validated config into the family: every concrete image with its chain,
platforms, tests and groups. Pure: no files, no processes.

The tiers are base → apps (an app may build on another app) → accelerator variants, one
``<accelerator>-<app>`` per app that does not opt out. A target's platforms are the
intersection along its chain, in the order of the family's platform list.
"""

from __future__ import annotations

import difflib
from pathlib import Path, PurePosixPath

from bake.model.config import load_config
from bake.model.files import check_files
from bake.model.images import Family, Group, Image, Tier
from bake.model.namespace import check_app_names, check_unique_names
from bake.model.packages import ALL_PLATFORMS, Recipe
from bake.model.specs import BASE_NAME, AcceleratorUse, AppSpec, Config, ImageSpec, SmokeTest

__all__ = ["Family", "Group", "Image", "Tier", "load_family", "resolve"]


def load_family(path: Path) -> Family:
    """Load, validate and resolve the family file at ``path``; its files must exist."""
    family = resolve(load_config(path))
    check_files(family.config)
    return family


def resolve(config: Config) -> Family:
    """Config → Family; raises ConfigError for relations that do not hold."""
    check_app_names(config)
    base = _base_image(config)
    apps = _app_images(config, base)
    variants = _variant_images(config, apps)
    images = (base, *apps, *variants)
    groups = _groups(config, apps, variants)
    check_unique_names(config, images, groups)
    _check_packages(config, images)
    return Family(config=config, images=images, groups=groups)


def _intersect(outer: tuple[str, ...], inner: tuple[str, ...] | None) -> tuple[str, ...]:
    if inner is None:
        return outer
    return tuple(p for p in outer if p in inner)


def _base_image(config: Config) -> Image:
    spec = config.base
    platforms = _intersect(config.platforms, spec.platforms)
    if not platforms:
        raise config.error(
            ("base", "platforms"),
            f"the base has no platform in common with the family's platforms "
            f"{list(config.platforms)}",
        )
    return _image(spec, Tier.BASE, None, (spec.name,), None, platforms, spec.tests)


def _image(
    spec: ImageSpec,
    tier: Tier,
    parent: str | None,
    chain: tuple[str, ...],
    accelerator: str | None,
    platforms: tuple[str, ...],
    tests: tuple[SmokeTest, ...],
    **overrides: str,
) -> Image:
    recipe = None if "dockerfile" in overrides else spec.recipe
    return Image(
        name=overrides.get("name", spec.name),
        tier=tier,
        parent=parent,
        chain=chain,
        accelerator=accelerator,
        description=overrides.get("description", spec.description),
        dockerfile=overrides.get("dockerfile", spec.dockerfile),
        context=overrides.get("context", spec.context),
        platforms=platforms,
        args=dict(spec.args),
        labels=dict(spec.labels),
        tests=tests,
        aliases=spec.aliases if accelerator is None else (),
        parent_name=_parent_name(spec, tier, recipe, overrides) if parent else None,
        recipe=recipe,
    )


# The names bake/data/packages.Dockerfile (the shared Dockerfile of images built from
# packages) uses for the parent: ``ARG PARENT=base``, and ``PARENT=app`` for accelerators.
_SHARED_DOCKERFILE_FROM = {Tier.APP: "base", Tier.ACCELERATOR: "app"}


def _parent_name(
    spec: ImageSpec, tier: Tier, recipe: Recipe | None, overrides: dict[str, str]
) -> str:
    """The named context its Dockerfile's FROM uses: the shared Dockerfile's for an image
    built from packages, else what the family file says (``from``)."""
    if recipe is not None:
        return _SHARED_DOCKERFILE_FROM[tier]
    return overrides.get("parent_name", spec.from_name)


def _app_images(config: Config, base: Image) -> tuple[Image, ...]:
    """Apps in build order (parents first); unknown parents and cycles are errors."""
    specs = {app.name: app for app in config.apps}
    done: dict[str, Image] = {base.name: base}
    ordered: list[Image] = []

    def visit(spec: AppSpec, trail: tuple[str, ...]) -> Image:
        if spec.name in done:
            return done[spec.name]
        if spec.name in trail:
            cycle = " → ".join((*trail[trail.index(spec.name) :], spec.name))
            raise config.error(("apps", spec.name, "parent"), f"parent cycle: {cycle}")
        if spec.parent != base.name and spec.parent not in specs:
            hint = difflib.get_close_matches(spec.parent, [base.name, *specs], n=1)
            maybe = f"; did you mean {hint[0]!r}?" if hint else ""
            raise config.error(
                ("apps", spec.name, "parent"),
                f"unknown parent {spec.parent!r}{maybe} (expected {base.name!r} or an app name)",
            )
        parent = done.get(spec.parent) or visit(specs[spec.parent], (*trail, spec.name))
        image = _app_image(config, spec, parent)
        done[spec.name] = image
        ordered.append(image)
        return image

    for spec in config.apps:
        visit(spec, ())
    return tuple(ordered)


def _app_image(config: Config, spec: AppSpec, parent: Image) -> Image:
    platforms = _intersect(parent.platforms, spec.platforms)
    chain = (*parent.chain, spec.name)
    if not platforms:
        raise config.error(
            ("apps", spec.name, "platforms"),
            f"the chain {' → '.join(chain)} has no platform in common "
            f"({parent.name}: {list(parent.platforms)}, {spec.name}: {list(spec.platforms or ())})",
        )
    return _image(spec, Tier.APP, parent.name, chain, None, platforms, (*parent.tests, *spec.tests))


def _variant_images(config: Config, apps: tuple[Image, ...]) -> tuple[Image, ...]:
    """One ``<accelerator>-<app>`` image per app and accelerator, unless opted out."""
    accelerators = {spec.name: spec for spec in config.accelerators}
    app_specs = {spec.name: spec for spec in config.apps}
    for spec in config.accelerators:
        if spec.aliases:
            raise config.error(
                ("accelerators", spec.name, "aliases"),
                "accelerators are not images of their own; put aliases on an app",
            )
    for spec in config.apps:
        for name in spec.accelerators:
            if name not in accelerators:
                hint = difflib.get_close_matches(name, list(accelerators), n=1)
                maybe = f"; did you mean {hint[0]!r}?" if hint else ""
                raise config.error(
                    ("apps", spec.name, "accelerators", name),
                    f"unknown accelerator {name!r}{maybe} "
                    f"(defined: {', '.join(accelerators) or 'none'})",
                )
    variants: list[Image] = []
    for accelerator in config.accelerators:
        for app in apps:
            use = app_specs[app.name].accelerators.get(accelerator.name)
            if use is not None and not use.enabled:
                continue
            variants.append(_variant_image(config, app, accelerator, use))
    return tuple(variants)


def _variant_image(
    config: Config, app: Image, accelerator: ImageSpec, use: AcceleratorUse | None
) -> Image:
    name = f"{accelerator.name}-{app.name}"
    chain = (*app.chain, name)
    platforms = _intersect(app.platforms, accelerator.platforms)
    if not platforms:
        raise config.error(
            ("apps", app.name),
            f"the chain {' → '.join(chain)} has no platform in common "
            f"({app.name}: {list(app.platforms)}, {accelerator.name}: "
            f"{list(accelerator.platforms or ())}); restrict the platforms or opt out "
            f"with apps.{app.name}.accelerators.{accelerator.name}: false",
        )
    overrides = {"name": name, "description": f"{app.description} — {accelerator.description}"}
    if use is not None and use.dockerfile:
        overrides["dockerfile"] = use.dockerfile
        overrides["context"] = use.context or str(PurePosixPath(use.dockerfile).parent)
    if use is not None and use.from_name:
        overrides["parent_name"] = use.from_name
    return _image(
        accelerator,
        Tier.ACCELERATOR,
        app.name,
        chain,
        accelerator.name,
        platforms,
        (*app.tests, *accelerator.tests),
        **overrides,
    )


def _groups(
    config: Config, apps: tuple[Image, ...], variants: tuple[Image, ...]
) -> tuple[Group, ...]:
    everything = (BASE_NAME, *(a.name for a in apps), *(v.name for v in variants))
    groups = [  # namespace.FIXED_GROUPS first
        Group("default", "The whole family (same as 'all')", ("all",)),
        Group("all", "Every image of the family", everything),
        Group("apps", "Every app image (no accelerator variants)", tuple(a.name for a in apps)),
    ]
    for accelerator in config.accelerators:
        members = tuple(v.name for v in variants if v.accelerator == accelerator.name)
        description = f"Every {accelerator.name} variant"
        groups.append(Group(accelerator.name, description, members))
    for app in apps:
        members = (app.name, *(v.name for v in variants if v.parent == app.name))
        groups.append(Group(f"{app.name}-all", f"{app.name} and its accelerator variants", members))
    return tuple(groups)


def _check_packages(config: Config, images: tuple[Image, ...]) -> None:
    """An image built from packages installs at least one on every platform it is built for
    (a per-platform list may leave one out by mistake)."""
    for image in images:
        recipe = image.recipe
        if recipe is None:
            continue
        for platform in image.platforms:
            if not recipe.packages_for(platform):
                listed = ", ".join(recipe.platform_packages) or "none"
                raise config.error(
                    (*image.key_path, "packages"),
                    f"{image.name} is built for {platform} but installs no package there "
                    f"(lists for: {listed}); add packages under {ALL_PLATFORMS!r} or "
                    f"{platform!r}, or restrict the platforms",
                )
