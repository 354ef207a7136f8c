"""The family YAML → validated, frozen specs. Only shape and local validity are checked
here; relations between images (parents, chains, platform intersections) are ``family``'s.

Which keys exist, and their documented defaults, is ``schema``'s (the JSON Schema is
rendered from the same definitions); the readers here check the values and apply the
defaults. Defaults are neutral: nothing here knows any particular family's registry or
folder layout, which a family file states with ``registry`` and ``layout``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from bake.model import platforms as platforms_table
from bake.model import schema
from bake.model.packages import Recipe, read_recipe
from bake.model.packages import check_files as check_recipe_files
from bake.model.retention import Retention, read_retention
from bake.model.runners import CiSpec, read_ci
from bake.model.schema import ARG_RE, FROM_RE, LABEL_KEY_RE, NAME_MAX, NAME_RE, REGISTRY_RE, TAG_RE
from bake.model.yamlsource import (
    Document,
    KeyPath,
    load_document,
    read_list,
    read_mapping,
    read_string,
    read_string_map,
)

__all__ = [
    "BASE_NAME",
    "DEFAULT_LAYOUT",
    "DEFAULT_PLATFORMS",
    "DEFAULT_REGISTRY",
    "KNOWN_PLATFORMS",
    "AcceleratorUse",
    "AppSpec",
    "Config",
    "ImageSpec",
    "SmokeTest",
    "load_config",
    "registry_problem",
]

# Only platforms the one platform table knows in full (bake.model.platforms): every one of them
# gets its QEMU handler checked and its architecture verified in the smoke tests.
KNOWN_PLATFORMS = platforms_table.names()
DEFAULT_PLATFORMS = KNOWN_PLATFORMS
BASE_NAME = "base"  # the base image's name: its bake target and its repository
DEFAULT_REGISTRY = "localhost:5000"
DEFAULT_TAGS = ("latest",)
# Where an image's Dockerfile is when it names none ({name}: the app or accelerator).
DEFAULT_LAYOUT = {"base": "base", "apps": "apps/{name}", "accelerators": "accelerators/{name}"}
# The names Dockerfiles use in FROM for their parent (bake named contexts).
DEFAULT_FROM = {"apps": "base", "accelerators": "app"}


@dataclass(frozen=True)
class SmokeTest:
    """A command run inside the image (``sh -c``) and a regex its output must match."""

    name: str
    run: str
    expect: str | None = None
    origin: str = ""  # the image that declared it; children inherit it
    per_platform: bool = True  # False: CPU-independent, run once per image


@dataclass(frozen=True)
class ImageSpec:
    """What the YAML says about one image: the base, an app or an accelerator."""

    name: str
    description: str
    dockerfile: str
    context: str
    platforms: tuple[str, ...] | None  # None: no restriction at this link of the chain
    args: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    tests: tuple[SmokeTest, ...] = ()
    aliases: tuple[str, ...] = ()
    from_name: str = ""  # the name its Dockerfile's FROM uses for the parent ("": none)
    # Built by the shared Dockerfile (bake/data) from packages; dockerfile/context are "".
    recipe: Recipe | None = None


@dataclass(frozen=True)
class AcceleratorUse:
    """An app's word on one accelerator: opted out, or built from its own Dockerfile."""

    enabled: bool = True
    dockerfile: str | None = None
    context: str | None = None
    from_name: str | None = None  # None: the accelerator's


@dataclass(frozen=True)
class AppSpec(ImageSpec):
    """An app image: built on ``parent`` (the base or another app)."""

    parent: str = BASE_NAME
    accelerators: dict[str, AcceleratorUse] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    """The whole validated family file."""

    file: str
    root: Path  # the folder holding the YAML; dockerfile/context paths are relative to it
    registry: str
    tags: tuple[str, ...]
    platforms: tuple[str, ...]
    source: str
    licenses: str
    vendor: str
    labels: dict[str, str]
    args: dict[str, str]
    base: ImageSpec
    apps: tuple[AppSpec, ...]
    accelerators: tuple[ImageSpec, ...]
    ci: CiSpec = field(default_factory=CiSpec)  # CI runners by platform (bake.model.runners)
    prune: Retention = field(default_factory=Retention)  # what `prune` keeps (bake.model.retention)
    # The parsed YAML, kept only so that later checks can name the line of a key.
    document: Document | None = field(default=None, compare=False, repr=False)


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
    platforms = _platforms(doc, ("platforms",), data.get("platforms", list(DEFAULT_PLATFORMS)))
    apps = read_mapping(doc, ("apps",), data["apps"])
    if not apps:
        doc.fail(("apps",), "expected at least one app (the base alone is not a family)")
    tags = read_list(doc, ("tags",), data.get("tags", ["latest"]))
    if not tags:
        doc.fail(("tags",), "expected at least one tag (every image needs a name to test and push)")
    accelerators = read_mapping(doc, ("accelerators",), data.get("accelerators") or {})
    layout = _defaults(doc, "layout", data, DEFAULT_LAYOUT, _relpath, schema.LAYOUT)
    from_names = _defaults(doc, "from", data, DEFAULT_FROM, _from_name, schema.FROM)
    config = Config(
        file=doc.file,
        root=root,
        registry=_registry(doc, data.get("registry", DEFAULT_REGISTRY)),
        tags=tuple(_tag(doc, ("tags", i), t) for i, t in enumerate(tags)),
        platforms=platforms if platforms is not None else DEFAULT_PLATFORMS,
        source=read_string(doc, ("source",), data.get("source", "")),
        licenses=read_string(doc, ("licenses",), data.get("licenses", "")),
        vendor=read_string(doc, ("vendor",), data.get("vendor", "")),
        labels=_labels(doc, ("labels",), data.get("labels") or {}),
        args=_args(doc, ("args",), data.get("args") or {}),
        base=_image(doc, ("base",), BASE_NAME, data["base"], layout["base"], schema.BASE, ""),
        apps=tuple(
            _app(doc, ("apps", name), name, spec, layout["apps"], from_names["apps"])
            for name, spec in apps.items()
        ),
        accelerators=tuple(
            _image(
                doc,
                ("accelerators", name),
                name,
                spec,
                layout["accelerators"],
                schema.ACCELERATOR,
                from_names["accelerators"],
            )
            for name, spec in accelerators.items()
        ),
        ci=read_ci(doc, data.get("ci"), KNOWN_PLATFORMS),
        prune=read_retention(doc, data.get("prune")),
        document=doc,
    )
    recipes: dict[KeyPath, Recipe | None] = {("apps", a.name): a.recipe for a in config.apps}
    recipes.update({("accelerators", a.name): a.recipe for a in config.accelerators})
    check_recipe_files(doc, root, recipes)
    return config


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
    _name(doc, path, name)
    folder = layout.replace("{name}", name)
    recipe = read_recipe(doc, path, data, KNOWN_PLATFORMS)
    dockerfile = context = ""  # a recipe is built by the shared Dockerfile in bake/data
    if recipe is None:
        dockerfile = _relpath(
            doc, (*path, "dockerfile"), data.get("dockerfile", f"{folder}/Dockerfile")
        )
        context = _relpath(
            doc, (*path, "context"), data.get("context", str(PurePosixPath(dockerfile).parent))
        )
    tests = read_list(doc, (*path, "tests"), data.get("tests") or [])
    return {
        "name": name,
        "description": _description(doc, (*path, "description"), data.get("description")),
        "dockerfile": dockerfile,
        "context": context,
        "platforms": _platforms(doc, (*path, "platforms"), data.get("platforms")),
        "args": _args(doc, (*path, "args"), data.get("args") or {}),
        "labels": _labels(doc, (*path, "labels"), data.get("labels") or {}),
        "tests": _tests(doc, (*path, "tests"), name, tests),
        "aliases": tuple(
            _name(doc, (*path, "aliases", i), a)
            for i, a in enumerate(read_list(doc, (*path, "aliases"), data.get("aliases") or []))
        ),
        "from_name": (
            _from_name(doc, (*path, "from"), data["from"]) if "from" in data else from_default
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
    dockerfile = _relpath(doc, (*path, "dockerfile"), data.get("dockerfile"))
    context = data.get("context")
    from_name = data.get("from")
    return AcceleratorUse(
        dockerfile=dockerfile,
        context=_relpath(doc, (*path, "context"), context) if context is not None else None,
        from_name=_from_name(doc, (*path, "from"), from_name) if from_name is not None else None,
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


def _description(doc: Document, path: KeyPath, value: Any) -> str:
    # bake treats an empty description as unset and would show the tier's instead.
    if value is None or value == "":
        doc.fail(path, "expected a non-empty description (docker buildx bake --list shows it)")
    return read_string(doc, path, value)


def _args(doc: Document, path: KeyPath, value: Any) -> dict[str, str]:
    args = read_string_map(doc, path, value)
    for key in args:
        if not ARG_RE.fullmatch(key):
            doc.fail((*path, key), "expected a build-arg name ([A-Za-z_][A-Za-z0-9_]*)")
    return args


def _labels(doc: Document, path: KeyPath, value: Any) -> dict[str, str]:
    labels = read_string_map(doc, path, value)
    for key in labels:
        if not LABEL_KEY_RE.fullmatch(key):
            doc.fail(
                (*path, key),
                f"{key!r} is not a label key: expected letters, digits, '.', '_', '/' and '-', "
                "starting and ending with a letter or digit (e.g. 'com.example.team')",
            )
    return labels


def _name(doc: Document, path: KeyPath, value: Any) -> str:
    name = read_string(doc, path, value)
    if not NAME_RE.fullmatch(name):
        doc.fail(
            path,
            f"{name!r} is not a valid image/target name: expected lowercase letters and "
            "digits separated by single '-' or '_' (e.g. 'firefox', 'intel-media')",
        )
    if len(name) > NAME_MAX:
        doc.fail(path, f"the name is {len(name)} characters long; at most {NAME_MAX} are allowed")
    return name


def _platforms(doc: Document, path: KeyPath, value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = read_list(doc, path, value)
    if not items:
        doc.fail(path, "expected at least one platform (to drop an accelerator, opt out instead)")
    platforms: list[str] = []
    for i, item in enumerate(items):
        platform = read_string(doc, (*path, i), item)
        if platform not in KNOWN_PLATFORMS:
            doc.fail(
                (*path, i),
                f"{platform!r} is not a known platform: expected one of "
                + ", ".join(KNOWN_PLATFORMS)
                + " (the platforms bake.model.platforms describes in full)",
            )
        if platform in platforms:
            doc.fail((*path, i), f"duplicate platform {platform!r}")
        platforms.append(platform)
    return tuple(platforms)


def _relpath(doc: Document, path: KeyPath, value: Any) -> str:
    text = read_string(doc, path, value)
    pure = PurePosixPath(text)
    if pure.is_absolute() or ".." in pure.parts or not text:
        doc.fail(path, f"expected a relative path inside the repository, got {text!r}")
    return str(pure)


def _from_name(doc: Document, path: KeyPath, value: Any) -> str:
    name = read_string(doc, path, value)
    if not FROM_RE.match(name):
        doc.fail(
            path,
            f"{name!r} is not a name for FROM: expected a bare name ('base') or an image "
            "reference without tag or digest ('ghcr.io/you/base'); bake links the parent "
            "by that name, and a name with a tag never matches",
        )
    return name


def _registry(doc: Document, value: Any) -> str:
    registry = read_string(doc, ("registry",), value)
    problem = registry_problem(registry)
    if problem:
        doc.fail(("registry",), problem)
    return registry


def registry_problem(registry: str) -> str | None:
    """Why ``registry`` (one or several, comma-separated) is not valid, or None."""
    for part in registry.split(","):
        if not REGISTRY_RE.fullmatch(part):
            return (
                f"{part!r} is not a registry/namespace: expected e.g. 'ghcr.io/you/neko' "
                "(comma-separate several, no spaces)"
            )
    return None


def _tag(doc: Document, path: KeyPath, value: Any) -> str:
    tag = read_string(doc, path, value)
    if not TAG_RE.fullmatch(tag):
        doc.fail(path, f"{tag!r} is not a valid image tag ([A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})")
    return tag
