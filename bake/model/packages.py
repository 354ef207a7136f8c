"""Images built from a few lines of YAML instead of a Dockerfile of their own: the Debian
packages to install, a folder mirrored into ``/``, environment variables and a supervisord
program. ``bake/data/packages.Dockerfile`` builds every such image from bake args and named
contexts (see ``emit``), so adding an app does not mean copying another Dockerfile.

This module reads and checks the four keys; ``config`` calls it for each app and
accelerator, ``family`` checks that every platform an image is built for gets packages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from bake.model.yamlsource import (
    Document,
    KeyPath,
    read_list,
    read_mapping,
    read_string,
    read_unique,
)

__all__ = [
    "ALL_PLATFORMS",
    "BUILD_ARGS",
    "RECIPE_KEYS",
    "Program",
    "Recipe",
    "build_args",
    "check_files",
    "describe",
    "dockerfile_for",
    "dockerfile_path",
    "dockerfile_text",
    "read_recipe",
]

RECIPE_KEYS = ("packages", "files", "env", "program")
ALL_PLATFORMS = "all"  # the key of a per-platform package mapping that every platform gets
# Debian policy §5.6.1: lowercase letters, digits, + - . ; at least two characters,
# starting with a letter or digit.
PACKAGE_RE = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")
ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
USER_RE = re.compile(r"^[a-z_][a-z0-9_-]*[$]?$")
# Build args the shared Dockerfile reads; an image's own `args` must not set them.
BUILD_ARGS = (
    "PARENT",
    "PACKAGES",
    "PLATFORM_PACKAGES",
    "PLATFORMS",
    "PROGRAM",
    "PROGRAM_COMMAND",
    "PROGRAM_PRIORITY",
    "PROGRAM_USER",
)
DOCKERFILE = "packages.Dockerfile"  # in bake/data/


@dataclass(frozen=True)
class Program:
    """A supervisord program: ``/etc/supervisor/conf.d/<image>.conf``."""

    command: str
    priority: int = 100
    user: str = "neko"


@dataclass(frozen=True)
class Recipe:
    """How the shared Dockerfile builds one image."""

    packages: tuple[str, ...]  # for every platform
    platform_packages: dict[str, tuple[str, ...]] = field(default_factory=dict)
    files: str | None = None  # repository folder mirrored into /
    env: dict[str, str] = field(default_factory=dict)
    program: Program | None = None

    def packages_for(self, platform: str) -> tuple[str, ...]:
        """Every package installed on ``platform``."""
        return (*self.packages, *self.platform_packages.get(platform, ()))


def dockerfile_text() -> str:
    """The shared Dockerfile, as shipped in the bake package."""
    return resources.files("bake").joinpath("data", DOCKERFILE).read_text(encoding="utf-8")


def dockerfile_path() -> str:
    """Where the shared Dockerfile is on disk (for hadolint; never written to a file)."""
    return str(resources.files("bake").joinpath("data", DOCKERFILE))


def read_recipe(
    doc: Document, path: KeyPath, data: dict[str, Any], platforms: tuple[str, ...]
) -> Recipe | None:
    """The recipe of the image at ``path``, or None when it has its own Dockerfile.

    ``platforms`` are the ones a per-platform package list may name.
    """
    given = [key for key in RECIPE_KEYS if key in data]
    if not given:
        return None
    for own in ("dockerfile", "context"):
        if own in data:
            doc.fail(
                (*path, own),
                f"{own!r} and {given[0]!r} are mutually exclusive: an image is built either "
                "from its own Dockerfile or from packages by the shared one",
            )
    if "packages" not in data:
        doc.fail(path, f"missing key 'packages' (an image given {given[0]!r} installs packages)")
    for arg in read_mapping(doc, (*path, "args"), data.get("args") or {}):
        if arg in BUILD_ARGS:
            doc.fail((*path, "args", arg), f"{arg!r} is set by 'packages' and friends")
    packages, per_platform = _packages(doc, (*path, "packages"), data["packages"], platforms)
    files = data.get("files")
    return Recipe(
        packages=packages,
        platform_packages=per_platform,
        files=_folder(doc, (*path, "files"), files) if files is not None else None,
        env=_env(doc, (*path, "env"), data.get("env") or {}),
        program=_program(doc, (*path, "program"), data["program"]) if "program" in data else None,
    )


def check_files(doc: Document, root: Path, recipes: dict[KeyPath, Recipe | None]) -> None:
    """Every ``files`` folder exists (paths are relative to the family file's folder)."""
    for path, recipe in recipes.items():
        if recipe is not None and recipe.files is not None:
            if not (root / recipe.files).is_dir():
                doc.fail((*path, "files"), f"expected an existing folder, not {recipe.files!r}")


def _packages(
    doc: Document, path: KeyPath, value: Any, platforms: tuple[str, ...]
) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    if isinstance(value, list):
        return _package_list(doc, path, value), {}
    data = read_mapping(doc, path, value, expected="a list of Debian packages, or platform → list")
    doc.check_keys(path, data, (ALL_PLATFORMS, *platforms))
    common = _package_list(doc, (*path, ALL_PLATFORMS), data.get(ALL_PLATFORMS) or [])
    per_platform = {
        key: _package_list(doc, (*path, key), items)
        for key, items in data.items()
        if key != ALL_PLATFORMS
    }
    return common, per_platform


def _package_list(doc: Document, path: KeyPath, value: Any) -> tuple[str, ...]:
    return read_unique(doc, path, read_list(doc, path, value), "package", _package_problem)


def _package_problem(name: str) -> str | None:
    if PACKAGE_RE.match(name):
        return None
    return (
        f"{name!r} is not a Debian package name: expected lowercase letters, digits "
        "and + - . (at least two characters, starting with a letter or digit)"
    )


def _folder(doc: Document, path: KeyPath, value: Any) -> str:
    text = read_string(doc, path, value)
    pure = PurePosixPath(text)
    if not text or pure.is_absolute() or ".." in pure.parts:
        doc.fail(path, f"expected a folder inside the repository, got {text!r}")
    return str(pure)


def _env(doc: Document, path: KeyPath, value: Any) -> dict[str, str]:
    env: dict[str, str] = {}
    for key, item in read_mapping(doc, path, value).items():
        if not ENV_RE.match(key):
            doc.fail((*path, key), "expected a variable name ([A-Za-z_][A-Za-z0-9_]*)")
        text = read_string(doc, (*path, key), item)
        if "\n" in text or "\r" in text:
            doc.fail((*path, key), "expected a value on one line")
        env[key] = text
    return env


def _program(doc: Document, path: KeyPath, value: Any) -> Program:
    data = read_mapping(doc, path, value, expected="a mapping with 'command'")
    doc.check_keys(path, data, ("command", "priority", "user"))
    command = read_string(doc, (*path, "command"), data.get("command", ""))
    if not command.strip():
        doc.fail((*path, "command"), "expected the command supervisord runs (non-empty)")
    if "\n" in command or "\r" in command:
        doc.fail((*path, "command"), "expected a command on one line")
    priority = data.get("priority", 100)
    if isinstance(priority, bool) or not isinstance(priority, int) or priority < 0:
        doc.fail((*path, "priority"), f"expected a whole number >= 0, got {priority!r}")
    user = read_string(doc, (*path, "user"), data.get("user", "neko"))
    if not USER_RE.match(user):
        doc.fail((*path, "user"), f"{user!r} is not a user name")
    return Program(command=command, priority=priority, user=user)


def build_args(recipe: Recipe, name: str, platforms: tuple[str, ...]) -> dict[str, str]:
    """The build args the shared Dockerfile reads for the image (or accelerator) ``name``
    built for ``platforms``; empty values are left out (the Dockerfile's defaults)."""
    args = {
        "PACKAGES": " ".join(recipe.packages),
        "PLATFORM_PACKAGES": ";".join(
            f"{platform}={' '.join(packages)}"
            for platform, packages in recipe.platform_packages.items()
            if packages
        ),
        "PLATFORMS": " ".join(platforms),
    }
    if recipe.program is not None:
        args |= {
            "PROGRAM": name,
            "PROGRAM_COMMAND": recipe.program.command,
            "PROGRAM_PRIORITY": str(recipe.program.priority),
            "PROGRAM_USER": recipe.program.user,
        }
    return {key: value for key, value in args.items() if value}


def dockerfile_for(recipe: Recipe) -> str:
    """The shared Dockerfile plus the recipe's ``env`` as ENV lines (ENV names cannot come
    from build args)."""
    text = dockerfile_text()
    if not recipe.env:
        return text
    pairs = [f'{key}="{_env_quote(value)}"' for key, value in recipe.env.items()]
    return text + "\n# env: from family.yaml\nENV " + " \\\n    ".join(pairs) + "\n"


def _env_quote(value: str) -> str:
    """A Dockerfile double-quoted word that is exactly ``value`` (no $ expansion)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")


def describe(recipe: Recipe) -> dict[str, object]:
    """The recipe as plain data (``python -m bake show``)."""
    return {
        "dockerfile": f"bake/data/{DOCKERFILE} (shipped with neko-bake)",
        "packages": {ALL_PLATFORMS: list(recipe.packages)}
        | {p: list(names) for p, names in recipe.platform_packages.items()},
        "files": recipe.files,
        "env": dict(recipe.env),
        "program": None
        if recipe.program is None
        else {
            "command": recipe.program.command,
            "priority": recipe.program.priority,
            "user": recipe.program.user,
        },
    }
