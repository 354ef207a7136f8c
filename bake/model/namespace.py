"""One namespace for every name a family defines: images, accelerator variants, aliases,
groups and the abstract targets the emitter generates. A clash would make bake merge two
targets or drop one without a word, so each is an error naming both entries.
"""

from __future__ import annotations

from collections.abc import Sequence

from bake.model.images import Group, Image
from bake.model.schema import NAME_MAX
from bake.model.specs import Config
from bake.model.yamlsource import KeyPath, render_path

__all__ = ["FIXED_GROUPS", "RESERVED", "check_app_names", "check_unique_names"]


# Names the emitter defines whatever the family says: the shared abstract targets and the
# fixed groups. Every user-chosen or generated name is checked against them and each other.
RESERVED = (
    ("_common", "the abstract target '_common' shared by every image"),
    ("_app", "the abstract target '_app' shared by every app"),
    ("default", "the group 'default' that the family defines (bake's default)"),
    ("all", "the group 'all' that the family defines (every image)"),
    ("apps", "the group 'apps' that the family defines (every app)"),
)


FIXED_GROUPS = ("default", "all", "apps")


def check_unique_names(config: Config, images: Sequence[Image], groups: Sequence[Group]) -> None:
    """Targets (abstract ones too), groups and published names (aliases) share one
    namespace; a clash names both entries, reported at the later one."""
    owner: dict[str, tuple[str, KeyPath]] = {name: (what, ()) for name, what in RESERVED}

    def claim(name: str, what: str, path: KeyPath) -> None:
        if name in owner:
            first, first_path = owner[name]
            where = f" at {render_path(first_path)}" if first_path else ""
            message = f"duplicate name {name!r}: {what} clashes with {first}{where}; rename one"
            raise config.error(path, message)
        owner[name] = (what, path)

    for image in images:
        path = image.key_path
        claim(image.name, _what(image), path)
        if len(image.name) > NAME_MAX:
            message = f"{_what(image)} is {len(image.name)} characters long (at most {NAME_MAX})"
            raise config.error(path, message)
        for i, alias in enumerate(image.aliases):
            claim(alias, f"alias {alias!r} of {image.name}", (*path, "aliases", i))
    for spec in config.accelerators:
        what = f"the abstract target '_{spec.name}' of accelerator {spec.name!r}"
        claim(f"_{spec.name}", what, ("accelerators", spec.name))
    for group in groups[len(FIXED_GROUPS) :]:  # the fixed ones are reserved above
        claim(group.name, f"the group {group.name!r} ({group.description})", _group_path(group))


def _what(image: Image) -> str:
    if image.tier == "accelerator":
        return (
            f"the variant {image.name!r} (accelerator {image.accelerator!r} × app {image.parent!r})"
        )
    return f"{image.tier} {image.name!r}"


def _group_path(group: Group) -> KeyPath:
    if group.name.endswith("-all") and group.targets:
        return ("apps", group.targets[0])
    return ("accelerators", group.name)


def check_app_names(config: Config) -> None:
    """An app called ``base`` would be mistaken for the base image and silently dropped."""
    for spec in config.apps:
        if spec.name == "base":
            message = "duplicate name 'base': app 'base' clashes with the base image at base; rename the app"
            raise config.error(("apps", "base"), message)
