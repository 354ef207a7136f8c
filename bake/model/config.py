"""The family YAML → validated, frozen specs. Only shape and local validity are checked
here; relations between images (parents, chains, platform intersections) are ``family``'s.

Which keys exist, and their documented defaults, is ``schema``'s (the JSON Schema is
rendered from the same definitions); the readers here check the values and apply the
defaults. Defaults are neutral: nothing here knows any particular family's registry or
folder layout, which a family file states with ``registry`` and ``layout``.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any

from bake.core import options
from bake.model import schema
from bake.model.packages import Recipe, read_recipe
from bake.model.packages import check_files as check_recipe_files
from bake.model.retention import read_retention
from bake.model.runners import read_ci
from bake.model.specs import (
    BASE_NAME,
    DEFAULT_FROM,
    DEFAULT_LAYOUT,
    DEFAULT_PLATFORMS,
    DEFAULT_REGISTRY,
    KNOWN_PLATFORMS,
    AcceleratorUse,
    AppSpec,
    Config,
    ImageSpec,
    SmokeTest,
)
from bake.model.values import (
    read_args,
    read_description,
    read_from_name,
    read_labels,
    read_name,
    read_platforms,
    read_registry,
    read_relpath,
    read_tag,
)
from bake.model.yamlsource import (
    Document,
    KeyPath,
    load_document,
    read_list,
    read_mapping,
    read_string,
)

__all__ = ["load_config"]


def load_config(path: Path) -> Config:
    """Read and validate the family file at ``path`` (``files.check_files`` checks the disk)."""
    doc = load_document(path)
    return _read_config(doc, path.resolve().parent)


def _read_config(doc: Document, root: Path) -> Config:
    data = read_mapping(doc, (), doc.data)
    # x-… keys are ignored (as in Compose files): a place for anchors to merge (<<) from
    top = {k: v for k, v in data.items() if not k.startswith("x-")}
    doc.check_keys((), top, schema.names(schema.TOP))
    for required in ("base", "apps"):
        if required not in data:
            doc.fail((), f"missing key {required!r}")
    platforms = read_platforms(doc, ("platforms",), data.get("platforms", list(DEFAULT_PLATFORMS)))
    apps = read_mapping(doc, ("apps",), data["apps"])
    if not apps:
        doc.fail(("apps",), "expected at least one app (the base alone is not a family)")
    tags = read_list(doc, ("tags",), data.get("tags", list(options.TAGS.default)))
    if not tags:
        doc.fail(("tags",), "expected at least one tag (every image needs a name to test and push)")
    accelerators = read_mapping(doc, ("accelerators",), data.get("accelerators") or {})
    layout = _defaults(doc, "layout", data, DEFAULT_LAYOUT, read_relpath, schema.LAYOUT)
    from_names = _defaults(doc, "from", data, DEFAULT_FROM, read_from_name, schema.FROM)
    config = Config(
        file=doc.file,
        root=root,
        registry=read_registry(doc, data.get("registry", DEFAULT_REGISTRY)),
        tags=tuple(read_tag(doc, ("tags", i), t) for i, t in enumerate(tags)),
        platforms=platforms if platforms is not None else DEFAULT_PLATFORMS,
        source=read_string(doc, ("source",), data.get("source", "")),
        licenses=read_string(doc, ("licenses",), data.get("licenses", "")),
        vendor=read_string(doc, ("vendor",), data.get("vendor", "")),
        labels=read_labels(doc, ("labels",), data.get("labels") or {}),
        args=read_args(doc, ("args",), data.get("args") or {}),
        base=_image(doc, ("base",), BASE_NAME, data["base"], layout["base"], schema.BASE, ""),
        apps=tuple(
            _app(doc, ("apps", name), name, spec, layout["apps"], from_names["apps"])
            for name, spec in apps.items()
        ),
        accelerators=_accelerators(doc, accelerators, layout, from_names),
        ci=read_ci(doc, data.get("ci"), KNOWN_PLATFORMS),
        prune=read_retention(doc, data.get("prune")),
        document=doc,
    )
    recipes: dict[KeyPath, Recipe | None] = {("apps", a.name): a.recipe for a in config.apps}
    recipes.update({("accelerators", a.name): a.recipe for a in config.accelerators})
    check_recipe_files(doc, root, recipes)
    return config


def _accelerators(
    doc: Document, specs: dict[str, Any], layout: dict[str, str], from_names: dict[str, str]
) -> tuple[ImageSpec, ...]:
    return tuple(
        _image(
            doc,
            ("accelerators", name),
            name,
            spec,
            layout["accelerators"],
            schema.ACCELERATOR,
            from_names["accelerators"],
        )
        for name, spec in specs.items()
    )


def _defaults(
    doc: Document,
    key: str,
    data: dict[str, Any],
    defaults: dict[str, str],
    read: Any,
    keys: tuple[schema.Key, ...],
) -> dict[str, str]:
    """A top-level mapping of defaults (``layout``, ``from``), each value read by ``read``."""
    given = read_mapping(doc, (key,), data.get(key) or {})
    doc.check_keys((key,), given, schema.names(keys))
    values = dict(defaults)
    for name, value in given.items():
        values[name] = read(doc, (key, name), value)
    return values


def _image_fields(
    doc: Document, path: KeyPath, name: str, data: dict[str, Any], layout: str, from_default: str
) -> dict[str, Any]:
    read_name(doc, path, name)
    folder = layout.replace("{name}", name)
    recipe = read_recipe(doc, path, data, KNOWN_PLATFORMS)
    dockerfile = context = ""  # a recipe is built by the shared Dockerfile in bake/data
    if recipe is None:
        dockerfile = read_relpath(
            doc, (*path, "dockerfile"), data.get("dockerfile", f"{folder}/Dockerfile")
        )
        context = read_relpath(
            doc, (*path, "context"), data.get("context", str(PurePosixPath(dockerfile).parent))
        )
    tests = read_list(doc, (*path, "tests"), data.get("tests") or [])
    return {
        "name": name,
        "description": read_description(doc, (*path, "description"), data.get("description")),
        "dockerfile": dockerfile,
        "context": context,
        "platforms": read_platforms(doc, (*path, "platforms"), data.get("platforms")),
        "args": read_args(doc, (*path, "args"), data.get("args") or {}),
        "labels": read_labels(doc, (*path, "labels"), data.get("labels") or {}),
        "tests": _tests(doc, (*path, "tests"), name, tests),
        "aliases": tuple(
            read_name(doc, (*path, "aliases", i), a)
            for i, a in enumerate(read_list(doc, (*path, "aliases"), data.get("aliases") or []))
        ),
        "from_name": (
            read_from_name(doc, (*path, "from"), data["from"]) if "from" in data else from_default
        ),
        "recipe": recipe,
    }


def _image(
    doc: Document,
    path: KeyPath,
    name: str,
    data: Any,
    layout: str,
    keys: tuple[schema.Key, ...],
    from_default: str,
) -> ImageSpec:
    data = read_mapping(doc, path, data)
    doc.check_keys(path, data, schema.names(keys))
    return ImageSpec(**_image_fields(doc, path, name, data, layout, from_default))


def _app(
    doc: Document, path: KeyPath, name: str, data: Any, layout: str, from_default: str
) -> AppSpec:
    data = read_mapping(doc, path, data)
    doc.check_keys(path, data, schema.names(schema.APP))
    uses = read_mapping(doc, (*path, "accelerators"), data.get("accelerators") or {})
    return AppSpec(
        **_image_fields(doc, path, name, data, layout, from_default),
        parent=read_string(doc, (*path, "parent"), data.get("parent", BASE_NAME)),
        accelerators={
            key: _accelerator_use(doc, (*path, "accelerators", key), value)
            for key, value in uses.items()
        },
    )


def _accelerator_use(doc: Document, path: KeyPath, value: Any) -> AcceleratorUse:
    if isinstance(value, bool):
        return AcceleratorUse(enabled=value)
    data = read_mapping(doc, path, value, expected="false, true or a mapping with 'dockerfile'")
    doc.check_keys(path, data, schema.names(schema.ACCELERATOR_USE))
    dockerfile = read_relpath(doc, (*path, "dockerfile"), data.get("dockerfile"))
    context = data.get("context")
    from_name = data.get("from")
    return AcceleratorUse(
        dockerfile=dockerfile,
        context=read_relpath(doc, (*path, "context"), context) if context is not None else None,
        from_name=read_from_name(doc, (*path, "from"), from_name)
        if from_name is not None
        else None,
    )


def _tests(doc: Document, path: KeyPath, origin: str, items: list[Any]) -> tuple[SmokeTest, ...]:
    tests: list[SmokeTest] = []
    for i, item in enumerate(items):
        where = (*path, i)
        data = read_mapping(doc, where, item)
        doc.check_keys(where, data, schema.names(schema.TEST))
        for required in ("name", "run"):
            if required not in data:
                doc.fail(where, f"missing key {required!r}")
        expect = data.get("expect")
        if expect is not None:
            expect = read_string(doc, (*where, "expect"), expect)
            try:
                re.compile(expect)
            except re.error as exc:
                doc.fail((*where, "expect"), f"expected a Python regular expression: {exc}")
        per_platform = data.get("per-platform", True)
        if not isinstance(per_platform, bool):
            doc.fail((*where, "per-platform"), f"expected true or false, got {per_platform!r}")
        test = SmokeTest(
            name=read_string(doc, (*where, "name"), data["name"]),
            run=read_string(doc, (*where, "run"), data["run"]),
            expect=expect,
            origin=origin,
            per_platform=per_platform,
        )
        if any(t.name == test.name for t in tests):
            doc.fail((*where, "name"), f"duplicate test name {test.name!r}")
        tests.append(test)
    return tuple(tests)


# --- readers of this schema's values: each returns the value or fails with the path ------
