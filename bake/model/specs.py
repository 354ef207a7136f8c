"""The validated, frozen specs the family file becomes (``bake.model.config`` reads
them), and the neutral defaults it applies."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bake.core import options
from bake.core.errors import ConfigError
from bake.model import platforms as platforms_table
from bake.model.packages import Recipe
from bake.model.retention import Retention
from bake.model.runners import CiSpec
from bake.model.yamlsource import Document, KeyPath, render_path

__all__ = [
    "BASE_NAME",
    "DEFAULT_FROM",
    "DEFAULT_LAYOUT",
    "DEFAULT_PLATFORMS",
    "DEFAULT_REGISTRY",
    "KNOWN_PLATFORMS",
    "AcceleratorUse",
    "AppSpec",
    "Config",
    "ImageSpec",
    "SmokeTest",
]

# Only platforms the one platform table knows in full (bake.model.platforms): every one of them
# gets its QEMU handler checked and its architecture verified in the smoke tests.
KNOWN_PLATFORMS = platforms_table.names()
DEFAULT_PLATFORMS = KNOWN_PLATFORMS
BASE_NAME = "base"  # the base image's name: its bake target and its repository
DEFAULT_REGISTRY = ",".join(options.REGISTRY.default)
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

    def error(self, path: KeyPath, message: str) -> ConfigError:
        """A ConfigError at ``path`` of the family file (with its line, when known)."""
        line = self.document.line_of(path) if self.document is not None else None
        return ConfigError(self.file, render_path(path), message, line)
