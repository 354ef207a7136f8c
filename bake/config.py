"""The family YAML → validated, frozen specs. Only shape and local validity are checked
here; relations between images (parents, chains, platform intersections) are ``family``'s.

Every default lives in this module, so a reader sees the whole schema in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from bake.recipe import RECIPE_KEYS, Recipe, check_files, read_recipe
from bake.runners import CiSpec, read_ci
from bake.yamlsource import (
    Document,
    KeyPath,
    load_document,
    read_list,
    read_mapping,
    read_string,
    read_string_map,
)

__all__ = [
    "DEFAULT_PLATFORMS",
    "KNOWN_PLATFORMS",
    "AcceleratorUse",
    "AppSpec",
    "Config",
    "ImageSpec",
    "SmokeTest",
    "load_config",
    "registry_problem",
]

DEFAULT_PLATFORMS = ("linux/amd64", "linux/arm64", "linux/arm/v7")
KNOWN_PLATFORMS = (
    "linux/amd64",
    "linux/amd64/v2",
    "linux/amd64/v3",
    "linux/arm64",
    "linux/arm/v7",
    "linux/arm/v6",
    "linux/386",
    "linux/ppc64le",
    "linux/s390x",
    "linux/riscv64",
)
# A bake target name must match [a-zA-Z0-9_-]+ and an image repository path component
# [a-z0-9]+([._-][a-z0-9]+)*; a name serves as both. A leading "_" marks abstract targets.
NAME_RE = re.compile(r"^[a-z0-9]+(?:[_-][a-z0-9]+)*$")
NAME_MAX = 63  # like a DNS label; generated names (<accelerator>-<app>, <app>-all) too
# registry host (DNS labels)[:port] and optional path components, no tag.
_HOST = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
_PATH = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REGISTRY_RE = re.compile(rf"^{_HOST}(?::[0-9]+)?(?:/{_PATH})*$")
TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
ARG_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Label keys: reverse-DNS style. No "=", spaces, quotes or "${"/"%{", so a key reads the
# same in HCL, in JSON and on `docker inspect`.
LABEL_KEY_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._/-]*[A-Za-z0-9])?$")

_BASE_KEYS = (
    "description",
    "dockerfile",
    "context",
    "platforms",
    "args",
    "labels",
    "tests",
    "aliases",
)
_IMAGE_KEYS = (*_BASE_KEYS, *RECIPE_KEYS)  # apps and accelerators may be built from packages
_APP_KEYS = (*_IMAGE_KEYS, "parent", "accelerators")
_TOP_KEYS = (
    "registry",
    "tags",
    "platforms",
    "source",
    "licenses",
    "vendor",
    "labels",
    "args",
    "base",
    "apps",
    "accelerators",
    "ci",
)


@dataclass(frozen=True)
class SmokeTest:
    """A command run inside the image (``sh -c``) and a regex its output must match."""

    name: str
    run: str
    expect: str | None = None
    origin: str = ""  # the image that declared it; children inherit it


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
    # Built by the shared Dockerfile (bake/data) from packages; dockerfile/context are "".
    recipe: Recipe | None = None


@dataclass(frozen=True)
class AcceleratorUse:
    """An app's word on one accelerator: opted out, or built from its own Dockerfile."""

    enabled: bool = True
    dockerfile: str | None = None
    context: str | None = None


@dataclass(frozen=True)
class AppSpec(ImageSpec):
    """An app image: built on ``parent`` (the base or another app)."""

    parent: str = "base"
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
    ci: CiSpec = field(default_factory=CiSpec)  # CI runners by platform (bake.runners)
    # The parsed YAML, kept only so that later checks can name the line of a key.
    document: Document | None = field(default=None, compare=False, repr=False)


def load_config(path: Path) -> Config:
    """Read and validate the family file at ``path``."""
    doc = load_document(path)
    return _read_config(doc, path.resolve().parent)


def _read_config(doc: Document, root: Path) -> Config:
    data = read_mapping(doc, (), doc.data)
    # x-… keys are ignored (as in Compose files): a place for anchors to merge (<<) from
    doc.check_keys((), {k: v for k, v in data.items() if not k.startswith("x-")}, _TOP_KEYS)
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
    config = Config(
        file=doc.file,
        root=root,
        registry=_registry(doc, data.get("registry", "localhost:5000/neko")),
        tags=tuple(_tag(doc, ("tags", i), t) for i, t in enumerate(tags)),
        platforms=platforms if platforms is not None else DEFAULT_PLATFORMS,
        source=read_string(doc, ("source",), data.get("source", "")),
        licenses=read_string(doc, ("licenses",), data.get("licenses", "")),
        vendor=read_string(doc, ("vendor",), data.get("vendor", "")),
        labels=_labels(doc, ("labels",), data.get("labels") or {}),
        args=_args(doc, ("args",), data.get("args") or {}),
        base=_image(doc, ("base",), "base", data["base"], "dockerfiles/base", _BASE_KEYS),
        apps=tuple(_app(doc, ("apps", name), name, spec) for name, spec in apps.items()),
        accelerators=tuple(
            _image(
                doc,
                ("accelerators", name),
                name,
                spec,
                f"dockerfiles/accelerators/{name}",
                _IMAGE_KEYS,
            )
            for name, spec in accelerators.items()
        ),
        ci=read_ci(doc, data.get("ci"), KNOWN_PLATFORMS),
        document=doc,
    )
    recipes: dict[KeyPath, Recipe | None] = {("apps", a.name): a.recipe for a in config.apps}
    recipes.update({("accelerators", a.name): a.recipe for a in config.accelerators})
    check_files(doc, root, recipes)
    return config


def _image_fields(
    doc: Document, path: KeyPath, name: str, data: dict[str, Any], folder: str
) -> dict[str, Any]:
    _name(doc, path, name)
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
        "recipe": recipe,
    }


def _image(
    doc: Document, path: KeyPath, name: str, data: Any, folder: str, keys: tuple[str, ...]
) -> ImageSpec:
    data = read_mapping(doc, path, data)
    doc.check_keys(path, data, keys)
    return ImageSpec(**_image_fields(doc, path, name, data, folder))


def _app(doc: Document, path: KeyPath, name: str, data: Any) -> AppSpec:
    data = read_mapping(doc, path, data)
    doc.check_keys(path, data, _APP_KEYS)
    uses = read_mapping(doc, (*path, "accelerators"), data.get("accelerators") or {})
    return AppSpec(
        **_image_fields(doc, path, name, data, f"dockerfiles/apps/{name}"),
        parent=read_string(doc, (*path, "parent"), data.get("parent", "base")),
        accelerators={
            key: _accelerator_use(doc, (*path, "accelerators", key), value)
            for key, value in uses.items()
        },
    )


def _accelerator_use(doc: Document, path: KeyPath, value: Any) -> AcceleratorUse:
    if isinstance(value, bool):
        return AcceleratorUse(enabled=value)
    data = read_mapping(doc, path, value, expected="false, true or a mapping with 'dockerfile'")
    doc.check_keys(path, data, ("dockerfile", "context"))
    dockerfile = _relpath(doc, (*path, "dockerfile"), data.get("dockerfile"))
    context = data.get("context")
    return AcceleratorUse(
        dockerfile=dockerfile,
        context=_relpath(doc, (*path, "context"), context) if context is not None else None,
    )


def _tests(doc: Document, path: KeyPath, origin: str, items: list[Any]) -> tuple[SmokeTest, ...]:
    tests: list[SmokeTest] = []
    for i, item in enumerate(items):
        where = (*path, i)
        data = read_mapping(doc, where, item)
        doc.check_keys(where, data, ("name", "run", "expect"))
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
        test = SmokeTest(
            name=read_string(doc, (*where, "name"), data["name"]),
            run=read_string(doc, (*where, "run"), data["run"]),
            expect=expect,
            origin=origin,
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
                f"{platform!r} is not a platform: expected os/arch[/variant], one of "
                + ", ".join(KNOWN_PLATFORMS),
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
