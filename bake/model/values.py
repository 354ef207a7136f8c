"""Readers of one value of the family file (a name, a tag, a path, a platform list…):
each returns it checked, or stops with the file, line and key path of what is wrong."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from bake.model import platforms as platforms_table
from bake.model.schema import ARG_RE, FROM_RE, LABEL_KEY_RE, NAME_MAX, NAME_RE, REGISTRY_RE, TAG_RE
from bake.model.yamlsource import (
    Document,
    KeyPath,
    read_checked,
    read_list,
    read_string,
    read_string_map,
    read_unique,
)

__all__ = [
    "read_description",
    "read_args",
    "read_labels",
    "read_name",
    "read_platforms",
    "read_relpath",
    "read_from_name",
    "read_registry",
    "read_tag",
    "registry_problem",
]


def read_description(doc: Document, path: KeyPath, value: Any) -> str:
    # bake treats an empty description as unset and would show the tier's instead.
    if value is None or value == "":
        doc.fail(path, "expected a non-empty description (docker buildx bake --list shows it)")
    return read_string(doc, path, value)


def read_args(doc: Document, path: KeyPath, value: Any) -> dict[str, str]:
    args = read_string_map(doc, path, value)
    for key in args:
        if not ARG_RE.fullmatch(key):
            doc.fail((*path, key), "expected a build-arg name ([A-Za-z_][A-Za-z0-9_]*)")
    return args


def read_labels(doc: Document, path: KeyPath, value: Any) -> dict[str, str]:
    labels = read_string_map(doc, path, value)
    for key in labels:
        if not LABEL_KEY_RE.fullmatch(key):
            doc.fail(
                (*path, key),
                f"{key!r} is not a label key: expected letters, digits, '.', '_', '/' and '-', "
                "starting and ending with a letter or digit (e.g. 'com.example.team')",
            )
    return labels


def read_name(doc: Document, path: KeyPath, value: Any) -> str:
    return read_checked(doc, path, value, _name_problem)


def _name_problem(name: str) -> str | None:
    if not NAME_RE.fullmatch(name):
        return (
            f"{name!r} is not a valid image/target name: expected lowercase letters and "
            "digits separated by single '-' or '_' (e.g. 'firefox', 'intel-media')"
        )
    if len(name) > NAME_MAX:
        return f"the name is {len(name)} characters long; at most {NAME_MAX} are allowed"
    return None


def read_platforms(doc: Document, path: KeyPath, value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = read_list(doc, path, value)
    if not items:
        doc.fail(path, "expected at least one platform (to drop an accelerator, opt out instead)")
    return read_unique(doc, path, items, "platform", _platform_problem)


def _platform_problem(platform: str) -> str | None:
    if platform in platforms_table.names():
        return None
    return (
        f"{platform!r} is not a known platform: expected one of "
        + ", ".join(platforms_table.names())
        + " (the platforms bake.model.platforms describes in full)"
    )


def read_relpath(doc: Document, path: KeyPath, value: Any) -> str:
    text = read_string(doc, path, value)
    pure = PurePosixPath(text)
    if pure.is_absolute() or ".." in pure.parts or not text:
        doc.fail(path, f"expected a relative path inside the repository, got {text!r}")
    return str(pure)


def read_from_name(doc: Document, path: KeyPath, value: Any) -> str:
    return read_checked(doc, path, value, _from_problem)


def _from_problem(name: str) -> str | None:
    if FROM_RE.match(name):
        return None
    return (
        f"{name!r} is not a name for FROM: expected a bare name ('base') or an image "
        "reference without tag or digest ('ghcr.io/you/base'); bake links the parent "
        "by that name, and a name with a tag never matches"
    )


def read_registry(doc: Document, value: Any) -> str:
    return read_checked(doc, ("registry",), value, registry_problem)


def registry_problem(registry: str) -> str | None:
    """Why ``registry`` (one or several, comma-separated) is not valid, or None."""
    for part in registry.split(","):
        if not REGISTRY_RE.fullmatch(part):
            return (
                f"{part!r} is not a registry/namespace: expected e.g. 'ghcr.io/you/neko' "
                "(comma-separate several, no spaces)"
            )
    return None


def read_tag(doc: Document, path: KeyPath, value: Any) -> str:
    return read_checked(doc, path, value, _tag_problem)


def _tag_problem(tag: str) -> str | None:
    if TAG_RE.fullmatch(tag):
        return None
    return f"{tag!r} is not a valid image tag ([A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})"
    return tag
