"""``BAKE_CACHE=gha``: a GitHub Actions build cache per image × platform set.

CI builds each platform in its own job. With one cache entry per image (``CACHE_REGISTRY``
``<image>:buildcache``) the jobs would overwrite each other's cache and each would find
only the last writer's layers. Here every image built in a run (the selection and the
parents bake builds for it through ``target:`` contexts) reads and writes the scope
``<image>-<platform slug(s)>``, so the arm64 job never evicts the amd64 job's layers.

BuildKit's ``type=gha`` reads ``ACTIONS_RUNTIME_TOKEN`` and the cache URL from the
environment; ``run:`` steps only see them when a step exports them
(crazy-max/ghaction-github-runtime). Without them the run builds uncached and says so,
which is what a rehearsal of the workflow outside GitHub gets. Exporting the cache never
fails a build (``ignore-error=true``): GitHub's cache service throttles, and a missed
cache write costs the next run time, not this run its result.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

from bake.core.errors import ConfigError
from bake.model.family import Family, Image
from bake.model.platforms import slug

__all__ = ["GHA", "RUNTIME_VARIABLES", "cache_set_args", "resolve", "scope"]

GHA = "gha"
OFF = ("", "off", "none")
TOKEN = "ACTIONS_RUNTIME_TOKEN"
RUNTIME_VARIABLES = (TOKEN, "ACTIONS_CACHE_URL", "ACTIONS_RESULTS_URL")


def scope(image: str, platforms: Sequence[str]) -> str:
    """``hello`` on ``linux/arm/v7`` → ``hello-linux-arm-v7``."""
    return "-".join([image, *(slug(p) for p in platforms)])


def _built(family: Family, images: Sequence[Image]) -> tuple[str, ...]:
    """The selection and every parent along its chains, parents first."""
    names = {name for image in images for name in image.chain}
    return tuple(image.name for image in family.images if image.name in names)


def resolve(setting: str, env: Mapping[str, str]) -> str:
    """``BAKE_CACHE`` → ``gha`` or ``""``; gha without GitHub's runtime token is off (noted)."""
    if setting.lower() in OFF:
        return ""
    if setting != GHA:
        raise ConfigError("environment", "BAKE_CACHE", f"expected 'gha' or 'off', got {setting!r}")
    if not env.get(TOKEN):
        print(
            f"note: BAKE_CACHE=gha but {TOKEN} is not set (outside GitHub Actions, or no step "
            "exported it: crazy-max/ghaction-github-runtime); building without a cache",
            file=sys.stderr,
        )
        return ""
    return GHA


def cache_set_args(
    setting: str,
    family: Family,
    images: Sequence[Image],
    platforms: Sequence[str],
    write: bool = True,
) -> list[str]:
    """bake ``--set`` arguments for a resolved setting (``gha`` or ``""``); ``write=False``
    reads the cache only (``bake.build.reuse``'s probe: the real build, if any, writes it)."""
    if setting != GHA:
        return []
    args: list[str] = []
    for name in _built(family, images):
        ref = f"type=gha,scope={scope(name, platforms)}"
        args += ["--set", f"{name}.cache-from={ref}"]
        if write:
            # ignore-error: a throttled or unreachable cache service must not fail the build.
            args += ["--set", f"{name}.cache-to={ref},mode=max,ignore-error=true"]
    return args
