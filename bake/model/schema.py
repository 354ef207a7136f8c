"""The family file's schema as data: every key, where it may appear, its kind, its default
and what it means. The validator (``config``) takes its key sets from here, and the JSON
Schema that editors use (``family.schema.json``, written by ``generate`` and checked by
``check``) is rendered from the same definitions, so the two cannot disagree.

The readers in ``config`` still do the checking (with file, line and key path in every
message); this module only says what exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bake.core import options

__all__ = [
    "ACCELERATOR",
    "ACCELERATOR_USE",
    "APP",
    "ARG_RE",
    "BASE",
    "FROM",
    "FROM_RE",
    "Key",
    "LABEL_KEY_RE",
    "NAME_MAX",
    "LAYOUT",
    "NAME_RE",
    "REGISTRY_RE",
    "SCHEMA_NAME",
    "TAG_RE",
    "TEST",
    "TOP",
    "names",
    "render_markdown_table",
]

SCHEMA_NAME = "family.schema.json"
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
# The name a Dockerfile's FROM uses for its parent: a bare name (``base``) or an image
# reference without tag or digest (``ghcr.io/you/base``): bake's named-context key.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
FROM_RE = re.compile(rf"^(?:[a-z0-9.-]+(?::[0-9]+)?/)?{_COMPONENT}(?:/{_COMPONENT})*$")


@dataclass(frozen=True)
class Key:
    """One key of a mapping in the family file."""

    name: str
    kind: str  # see _KINDS
    description: str
    default: str = ""  # how the default reads in the docs ("" = none, or required)
    required: bool = False


# fmt: off
_IMAGE = (
    Key("description", "text", "Target description (`docker buildx bake --list`) and OCI description label", required=True),
    Key("dockerfile", "path", "The image's Dockerfile, relative to the family file; must exist", "`<layout folder>/Dockerfile`"),
    Key("context", "path", "Build context folder, relative to the family file; must exist", "the Dockerfile's folder"),
    Key("platforms", "platforms", "Restricts the platforms along the chain (a target gets the intersection)", "no restriction"),
    Key("args", "args", "Build args", "`{}`"),
    Key("labels", "labels", "Image labels", "`{}`"),
    Key("tests", "tests", "Smoke tests; children inherit their parents'", "`[]`"),
)
_ALIASES = Key("aliases", "names", "Old names pushed as the same multi-arch index", "`[]`")
_APP_FROM = Key("from", "from", "The name this Dockerfile's FROM uses for its parent: `base` or an image reference without tag (`ghcr.io/you/base` for `ARG BASE_IMAGE=ghcr.io/you/base:latest`)", "`from.apps`")
_ACCELERATOR_FROM = Key("from", "from", "The name the accelerator's Dockerfile uses for its app in FROM", "`from.accelerators`")

# Instead of a Dockerfile: packages (and files, env, a program) for the shared Dockerfile.
_RECIPE = (
    Key("packages", "packages", "Debian packages the shared Dockerfile (bake/data) installs, instead of a Dockerfile: a list, or `all`/platform → list", "own Dockerfile"),
    Key("files", "path", "Folder mirrored into the image's `/` (with `packages`)", "none"),
    Key("env", "args", "Environment variables of the image (with `packages`)", "`{}`"),
    Key("program", "program", "The program supervisord runs: `{command, priority?, user?}` (with `packages`)", "none"),
)
BASE: tuple[Key, ...] = (*_IMAGE, _ALIASES)
APP: tuple[Key, ...] = (
    *_IMAGE,
    _ALIASES,
    Key("parent", "name", "The image this app is built FROM: `base` or another app", "`base`"),
    _APP_FROM,
    Key("accelerators", "accelerator-uses", "Per accelerator: `false` opts out, `true` keeps it, a mapping gives this app its own Dockerfile for it", "every accelerator"),
    *_RECIPE,
)
ACCELERATOR: tuple[Key, ...] = (*_IMAGE, _ACCELERATOR_FROM, *_RECIPE)
ACCELERATOR_USE: tuple[Key, ...] = (
    Key("dockerfile", "path", "This app's own Dockerfile for the accelerator", required=True),
    Key("context", "path", "Its build context", "the Dockerfile's folder"),
    Key("from", "from", "The name that Dockerfile uses for the app", "the accelerator's `from`"),
)
TEST: tuple[Key, ...] = (
    Key("name", "text", "Unique among the image's tests", required=True),
    Key("run", "text", "Shell command run with `sh -c` inside the image", required=True),
    Key("expect", "regex", "Python regex searched in stdout+stderr", "exit code 0 is enough"),
    Key(
        "per-platform",
        "bool",
        "`false`: the result does not depend on the CPU, so the test runs once per image "
        "(on the native platform if the image has it, else its first); the architecture "
        "check still runs on every platform",
        "`true`: on every platform",
    ),
)
LAYOUT: tuple[Key, ...] = (
    Key("base", "path", "Folder of the base image's Dockerfile", "`base`"),
    Key("apps", "path", "Folder of each app's Dockerfile; `{name}` is the app", "`apps/{name}`"),
    Key("accelerators", "path", "Folder of each accelerator's Dockerfile; `{name}` is the accelerator", "`accelerators/{name}`"),
)
FROM: tuple[Key, ...] = (
    Key("apps", "from", "The name app Dockerfiles use for their parent", "`base`"),
    Key("accelerators", "from", "The name accelerator Dockerfiles use for their app", "`app`"),
)
TOP: tuple[Key, ...] = (
    Key("registry", "registry", options.REGISTRY.doc, options.REGISTRY.shown),
    Key("tags", "tags", options.TAGS.doc, options.TAGS.shown),
    Key("platforms", "platforms", "The family's platforms; every image starts from these", "every platform of the platform table"),
    Key("source", "text", "`org.opencontainers.image.source` label (the `SOURCE` variable's default)", "empty"),
    Key("licenses", "text", "`org.opencontainers.image.licenses` label", "left out"),
    Key("vendor", "text", "`org.opencontainers.image.vendor` label", "left out"),
    Key("labels", "labels", "Labels on every image", "`{}`"),
    Key("args", "args", "Build args for every image", "`{}`"),
    Key("layout", "layout", "Where Dockerfiles are when an image names none", "see `layout.*`"),
    Key("from", "from-defaults", "Defaults of the images' `from`", "see `from.*`"),
    Key("base", "base", "The runtime image every app builds on", required=True),
    Key("apps", "apps", "App images by name", required=True),
    Key("accelerators", "accelerators", "Accelerators by name: one variant per app", "`{}`"),
    Key("ci", "ci", "CI settings: `runners` maps a platform to a runner label or `{runner, emulated}`", "the platform table's runners"),
    Key("prune", "prune", "What `prune` keeps: `keep_sha` (the newest N `sha-…` tags) and `keep_days` (and those younger than D days); release tags are always kept", "`{keep_sha: 10, keep_days: 0}`"),
)
# fmt: on


def names(keys: tuple[Key, ...]) -> tuple[str, ...]:
    """The key names of one mapping, in schema order."""
    return tuple(key.name for key in keys)


_KIND_TEXT = {
    "text": "string",
    "regex": "regex",
    "bool": "true or false",
    "path": "relative path",
    "name": "name",
    "names": "list of names",
    "from": "image name, no tag",
    "registry": "string",
    "tags": "list of tags",
    "platforms": "list of platforms",
    "labels": "string → string",
    "args": "string → string",
    "tests": "list of `{name, run, expect?, per-platform?}`",
    "layout": "mapping",
    "from-defaults": "mapping",
    "base": "image",
    "apps": "name → app",
    "accelerators": "name → accelerator",
    "accelerator-uses": "name → `false` \\| `true` \\| mapping",
    "ci": "mapping",
    "prune": "`{keep_sha?, keep_days?}`",
    "packages": "list, or platform → list",
    "program": "`{command, priority?, user?}`",
}
_SECTIONS: tuple[tuple[str, tuple[Key, ...]], ...] = (
    ("top", TOP),
    ("`layout`", LAYOUT),
    ("`from`", FROM),
    ("base", BASE),
    ("app", APP),
    ("accelerator", ACCELERATOR),
    ("`apps.<app>.accelerators.<name>`", ACCELERATOR_USE),
    ("`tests[]`", TEST),
)


def render_markdown_table() -> str:
    """The schema as a Markdown table (``generate`` keeps it current in docs/family-file.md)."""
    rows: dict[tuple[str, str], list[str]] = {}
    keys: dict[tuple[str, str], Key] = {}
    for where, section in _SECTIONS:
        for key in section:
            rows.setdefault((key.name, key.description), []).append(where)
            keys[(key.name, key.description)] = key
    lines = ["| key | where | type | default | meaning |", "| --- | --- | --- | --- | --- |"]
    for ident, places in rows.items():
        key = keys[ident]
        default = "required" if key.required else (key.default or "—")
        kind = _KIND_TEXT.get(key.kind, key.kind)
        lines.append(
            f"| `{key.name}` | {', '.join(places)} | {kind} | {default} | {key.description} |"
        )
    return "\n".join(lines) + "\n"
