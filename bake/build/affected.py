"""Which images a change affects: the files changed since a git revision, and the family
file then and now, → the images to rebuild, each with the reason, parents first.

An image is affected when a file of its build context (or its Dockerfile) changed, when
its resolved entry in the family file changed (its own keys or anything it inherits:
labels, args, platforms, tests), or when an image it is built on is affected. Some files
shape every build (``GLOBAL_PATHS``: the build system, the workflows, the host set-up), and
so does any top-level key of the family file. Everything else (README, docs, tests) affects
nothing. ``affected_images`` is pure; only ``since`` reads git (through ``bake.core.run``).
"""

from __future__ import annotations

import dataclasses
import tarfile
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bake.core.docker import Docker
from bake.core.errors import BakeError, ConfigError
from bake.model.family import Family, Image, load_family

__all__ = [
    "GLOBAL_PATHS",
    "Affected",
    "Change",
    "affected_images",
    "changed_files",
    "parse_name_status",
    "since",
]

# Repository-relative paths (a trailing "/" means the folder) whose change affects every
# image: the build system and its data, how CI and hosts run it, its dependencies.
GLOBAL_PATHS = (
    "bake/",
    "noxfile.py",
    ".github/",
    ".ci/",
    "scripts/setup-host.sh",
    "requirements.txt",
    "requirements-runtime.txt",
    "pyproject.toml",
    "tools/",
)
# Derived from the family file (and kept honest by `python -m bake check`): their diff
# says nothing the family file's does not.
GENERATED = ("docker-bake.hcl", "docker-bake.json")
# Config fields that are not top-level keys of the family file.
_NOT_TOP_LEVEL = ("file", "root", "document", "base", "apps", "accelerators")


@dataclass(frozen=True)
class Change:
    """One changed file, as git reports it (repository-relative paths)."""

    status: str  # A, M, D, T, R (renamed from ``old_path``) or ? (untracked)
    path: str
    old_path: str | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        """A rename changes both places: the old context lost a file, the new one gained it."""
        return (self.path,) if self.old_path is None else (self.old_path, self.path)

    def describe(self) -> str:
        verb = {"A": "added", "D": "deleted", "?": "added (untracked)"}.get(self.status, "changed")
        if self.old_path is not None:
            return f"{self.old_path} renamed to {self.path}"
        return f"{self.path} {verb}"


@dataclass(frozen=True)
class Affected:
    """The affected images in build order, why each is, and why all are (if they are)."""

    images: tuple[str, ...]
    reasons: dict[str, str]  # every affected image → why
    everything: str | None = None  # the reason every image is affected, if one applies

    def select(self, images: Sequence[Image]) -> tuple[Image, ...]:
        """The affected ones among ``images`` (a selection), in their order."""
        return tuple(image for image in images if image.name in self.reasons)

    def render(self, images: Sequence[Image]) -> str:
        """One line per affected image of ``images``: its name and why."""
        chosen = self.select(images)
        width = max((len(image.name) for image in chosen), default=0)
        return "\n".join(f"{i.name.ljust(width)}  {self.reasons[i.name]}" for i in chosen)


def parse_name_status(text: str) -> tuple[Change, ...]:
    """``git diff --name-status -z`` output → changes (renames and copies carry two paths)."""
    fields = text.split("\0")
    changes: list[Change] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i][0]
        if status in "RC":
            changes.append(Change("R" if status == "R" else "A", fields[i + 2], fields[i + 1]))
            i += 3
        else:
            changes.append(Change(status, fields[i + 1]))
            i += 2
    return tuple(changes)


def _git(docker: Docker, root: Path, *args: str) -> str:
    return docker.capture(["git", "-C", str(root), *args])


def changed_files(top: Path, ref: str, docker: Docker) -> tuple[Change, ...]:
    """Files that differ between ``ref`` and the working tree, untracked ones included
    (they are sent to the build like any other file of a context); paths are relative to
    the repository's top folder ``top``."""
    try:
        _git(docker, top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except BakeError:
        raise ConfigError(
            "--since",
            "",
            f"{ref!r} is not a commit of the git repository at {top} "
            "(in a shallow CI checkout, fetch it first, e.g. `git fetch --depth=1 origin "
            f"{ref}`, or check out with fetch-depth: 0)",
        ) from None
    diff = _git(docker, top, "diff", "--name-status", "-z", "-M", "--no-ext-diff", ref, "--")
    untracked = _git(docker, top, "ls-files", "-z", "--others", "--exclude-standard", "--full-name")
    changes = parse_name_status(diff)
    return (*changes, *(Change("?", path) for path in untracked.split("\0") if path))


def _family_at(top: Path, ref: str, config_path: Path, docker: Docker) -> Family | str:
    """The family file as it was at ``ref``, resolved; or why it cannot be had.

    It is loaded inside the family's folder as it was at ``ref`` (``git archive``), since
    validating it may look at the files it names.
    """
    relative = PurePosixPath(config_path.resolve().relative_to(top).as_posix())
    probe = ["git", "-C", str(top), "cat-file", "-e", f"{ref}:{relative}"]
    if docker.run(probe, capture=True, check=False, echo=False).returncode != 0:
        return f"{relative} did not exist at {ref}"
    with tempfile.TemporaryDirectory(prefix="bake-affected-") as folder:
        archive = Path(folder) / "tree.tar"
        tree = ("archive", "--format=tar", "-o", str(archive), ref, "--", str(relative.parent))
        _git(docker, top, *tree)
        with tarfile.open(archive) as tar:
            _extract(tar, Path(folder) / "tree")
        try:
            return load_family(Path(folder) / "tree" / relative)
        except ConfigError as exc:
            return f"{relative} at {ref} is not a valid family ({exc.message})"


def _extract(
    tar: tarfile.TarFile, folder: Path, has_filter: bool = hasattr(tarfile, "data_filter")
) -> None:
    """Extract ``git archive``'s tar with the "data" filter where Python has it (3.11.4 and
    later); Debian 12's Python 3.11.2 has not, so there the same rules are checked by hand:
    no absolute path, no ``..``, no device, no link leaving the tree (``has_filter``:
    whether this Python has the filter; a test checks the rules by hand on any Python)."""
    if has_filter:
        tar.extractall(folder, filter="data")
        return
    for member in tar.getmembers():
        path = PurePosixPath(member.name)
        target = PurePosixPath(member.linkname) if member.issym() or member.islnk() else path
        if (
            path.is_absolute()
            or ".." in path.parts
            or member.isdev()
            or target.is_absolute()
            or ".." in (path.parent / target).parts
        ):
            raise ConfigError("git archive", member.name, "a path that leaves the tree")
    tar.extractall(folder)  # the members were checked above


def since(family: Family, config_path: Path, ref: str, docker: Docker | None = None) -> Affected:
    """What changed between ``ref`` and the working tree affects (reads git through
    ``docker``, the run's command runner; default: the real one)."""
    docker = docker or Docker()
    cmd = ["git", "-C", str(family.root), "rev-parse", "--show-toplevel"]
    found = docker.run(cmd, capture=True, check=False, echo=False)
    if found.returncode != 0:
        said = (found.stderr.strip().splitlines() or ["no output"])[-1]
        raise ConfigError("--since", "", f"--since needs the family in a git repository: {said}")
    top = Path(found.stdout.strip()).resolve()
    prefix = family.root.resolve().relative_to(top).as_posix()
    changes = changed_files(top, ref, docker)
    then = _family_at(top, ref, config_path, docker)
    return affected_images(family, then, changes, "" if prefix == "." else prefix)


def affected_images(
    now: Family, then: Family | str, changes: Sequence[Change], prefix: str = ""
) -> Affected:
    """The images ``changes`` and the family's change (``then`` → ``now``) affect.

    ``then`` is the family at the older revision, or a string saying why there is none (then
    everything is affected). ``prefix`` is the family root's path in the repository.
    """
    if isinstance(then, str):
        return _everything(now, then)
    everything = _global_reason(now, then, changes)
    if everything is not None:
        return _everything(now, everything)
    reasons: dict[str, str] = {}
    old = {image.name: image for image in then.images}
    for image in now.images:
        reason = _file_reason(image, changes, prefix) or _entry_reason(now, image, old)
        if reason:
            reasons[image.name] = reason
    for image in now.images:  # build order: a parent's reason is settled before its children
        if image.name not in reasons and image.parent in reasons:
            reasons[image.name] = f"built on {image.parent}"
    return Affected(tuple(i.name for i in now.images if i.name in reasons), reasons)


def _everything(family: Family, reason: str) -> Affected:
    names = tuple(image.name for image in family.images)
    return Affected(names, dict.fromkeys(names, reason), reason)


def _global_reason(now: Family, then: Family, changes: Sequence[Change]) -> str | None:
    """Why every image is affected (a build-system file, a top-level key), or None."""
    for change in changes:
        if any(_under(path, GLOBAL_PATHS) for path in change.paths):
            return f"{change.describe()} (affects every image)"
    for field in dataclasses.fields(now.config):
        name = field.name
        if name not in _NOT_TOP_LEVEL and getattr(now.config, name) != getattr(then.config, name):
            return f"the top-level key {name!r} of {Path(now.config.file).name} changed"
    return None


def _under(path: str, prefixes: Iterable[str]) -> bool:
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in prefixes)


def _sources(image: Image) -> tuple[str, ...]:
    """The family-relative files and folders an image is built from ("." is all of it):
    its Dockerfile and context, or for an image built from ``packages`` (by the shared
    Dockerfile in bake/, a global path) its ``files`` folder."""
    files = image.recipe.files if image.recipe is not None else None
    return tuple(path for path in (image.dockerfile, image.context, files) if path)


def _file_reason(image: Image, changes: Sequence[Change], prefix: str) -> str | None:
    """A change to the Dockerfile or anywhere in the build context (family-relative)."""
    sources = _sources(image)
    for change in changes:
        for path in change.paths:
            local = _relative(path, prefix)
            if local is None or local in GENERATED:
                continue
            if any(_within(local, source) for source in sources):
                return change.describe()
    return None


def _relative(path: str, prefix: str) -> str | None:
    if not prefix:
        return path
    pure = PurePosixPath(path)
    return pure.relative_to(prefix).as_posix() if pure.is_relative_to(prefix) else None


def _within(path: str, source: str) -> bool:
    """``path`` is the file ``source`` or lies in the folder ``source``."""
    return source == "." or PurePosixPath(path).is_relative_to(source)


def _entry_reason(now: Family, image: Image, old: dict[str, Image]) -> str | None:
    """The resolved entry differs (its own keys or what it inherits), or is new."""
    file = Path(now.config.file).name
    before = old.get(image.name)
    if before is None:
        return f"new in {file}"
    fields = [
        f.name
        for f in dataclasses.fields(image)
        if getattr(image, f.name) != getattr(before, f.name)
    ]
    return f"its entry in {file} changed ({', '.join(fields)})" if fields else None
