"""Private, cold copies of a family and the builds P2 and P4 compare, for any family.

A ``Subject`` says what to copy and build: a function that writes a copy of a family
with a run id stamped into its base (``copy_fixture`` for benchmarks/fixture,
``copy_reference`` for the repository's family.yaml; benchmarks/families.py), the
selection and the platform filter (``--platform``: every image keeps only those). A
``Copy`` is one such copy under a fresh run id, so each build of it is cold in the same
sense; ``forget`` removes its images and build cache records (benchmarks/scoped_cache.py).

- ``image_by_image``: the P2 baseline. One ``docker buildx build`` per image, parents
  first, every image of the selection's chains (an app's base too); an image with
  children is pushed and its children use it through a ``docker-image://`` named context,
  the others are loaded like ours; the same attestations as ours. Each image's build
  (Dockerfile or inline Dockerfile, args, labels, named contexts, tags) is what bake
  resolves for it (``bake --print`` of the copy's generated file, before the clock
  starts); its platforms are those the selection needs of it under the platform filter.
- ``registry_cache_build``: P4. A cold build with ``CACHE_REGISTRY`` (fills the registry
  cache), then the copy's images and cache records are forgotten and the same build runs
  again, timed: it may use the registry cache only.
"""

from __future__ import annotations

import functools
import json
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bake.build import pipeline
from bake.core import run
from bake.emit import generated
from bake.publish import sbom
from benchmarks import scoped_cache
from benchmarks.families import copy_fixture
from benchmarks.table import timed

__all__ = [
    "NAMESPACE",
    "Copy",
    "Subject",
    "baseline",
    "build_command",
    "fixture",
    "image_by_image",
    "needed_platforms",
    "registry_cache_build",
]

NAMESPACE = "127.0.0.1:5000/t-bench"
# Keys of a target that ``bake --print`` may show and the baseline's command does not need:
# the baseline builds without a cache and gets its outputs and attestations from us.
IGNORED = {"description", "cache-from", "cache-to", "output", "attest"}
# Target keys that map to one ``docker buildx build`` flag (mappings: one flag per entry).
FLAGS = {
    "args": "--build-arg",
    "labels": "--label",
    "contexts": "--build-context",
    "target": "--target",
}
KNOWN = IGNORED | set(FLAGS) | {"context", "dockerfile", "dockerfile-inline", "tags", "platforms"}


@dataclass(frozen=True)
class Subject:
    """What to copy and build: ``make(folder, run_id)`` writes a stamped copy of a family
    and returns its family.yaml; the selection; the platform filter (empty: all)."""

    make: Callable[[Path, str], Path]
    selection: str = "all"
    platforms: tuple[str, ...] = ()
    namespace: str = NAMESPACE


def fixture(source: Path) -> Subject:
    """A fixture family (benchmarks/fixture, tests/fixtures/tiny), every image."""
    return Subject(functools.partial(copy_fixture, source))


class Copy:
    """One private copy of the subject's family: a run id, its plan, what it built."""

    def __init__(self, workdir: Path, subject: Subject, kind: str, cache: bool = False) -> None:
        self.run_id = f"{kind}{uuid.uuid4().hex[:10]}"
        config = subject.make(workdir / self.run_id, self.run_id)
        overrides = {
            "REGISTRY": f"{subject.namespace}-{kind}",
            "TAG": self.run_id,
            "VERSION": "",
            "SHA": "",
            "CREATED": "",
            "CACHE_REGISTRY": f"{subject.namespace}-cache-{self.run_id}" if cache else "",
        }
        options = pipeline.Options.from_env(os.environ)
        self.plan = pipeline.make_plan(
            config, subject.selection, overrides, options, os.environ, subject.platforms
        )

    def forget(self) -> None:
        """Remove this copy's images, build cache records and the pipeline's reuse state
        for it (its private ``keeper`` names and state folder; bake.build.reuse)."""
        scoped_cache.forget_copy(self.plan, self.run_id)


def needed_platforms(plan: pipeline.Plan) -> dict[str, tuple[str, ...]]:
    """Every image the plan's images are built on, and they, parents first, each with the
    platforms the plan needs of it (the plan's images are already narrowed by its filter)."""
    wanted: dict[str, set[str]] = {}
    for image in plan.images:
        for name in image.chain:
            wanted.setdefault(name, set()).update(image.platforms)
    order = plan.family.config.platforms
    return {
        image.name: tuple(p for p in order if p in wanted[image.name])
        for image in plan.family.images
        if image.name in wanted
    }


def resolved_targets(plan: pipeline.Plan, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """What bake resolves for each image of the copy (``bake --print``: inherits, functions)."""
    generated.write_files(generated.expected_files(plan.family, plan.config_path))
    cmd = ["docker", "buildx", "bake", "-f", generated.HCL_NAME, "--print", *names]
    proc = run.run(cmd, cwd=plan.family.root, env=plan.bake_env(), capture=True, echo=False)
    return dict(_unescaped(json.loads(proc.stdout)["target"]))


def _unescaped(value: Any) -> Any:
    """``--print`` writes a bake file: ``${`` and ``%{`` come escaped as ``$${``, ``%%{``."""
    if isinstance(value, str):
        return value.replace("$${", "${").replace("%%{", "%{")
    if isinstance(value, dict):
        return {key: _unescaped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unescaped(item) for item in value]
    return value


def image_by_image(copy: Copy, attestations: sbom.Attestations) -> list[list[str]]:
    """The P2 baseline's commands, parents first (resolved now, run by ``baseline``)."""
    plan = copy.plan
    platforms = needed_platforms(plan)
    targets = resolved_targets(plan, list(platforms))
    parents = {plan.family.image(name).parent for name in platforms}
    attest = [a.split("=", 1)[1] for a in attestations.set_args() if a.startswith("*.attest=")]
    commands = []
    for name, wanted in platforms.items():
        target = targets[name]
        if "dockerfile-inline" in target:  # docker buildx build reads a Dockerfile file
            inline = plan.family.root.parent / f"{copy.run_id}-{name}.Dockerfile"
            inline.write_text(target["dockerfile-inline"], encoding="utf-8")
            target = {**target, "dockerfile": str(inline)}
        commands.append(build_command(target, wanted, name in parents, attest, targets))
    return commands


def build_command(
    target: Mapping[str, Any],
    platforms: Sequence[str],
    push: bool,
    attest: Sequence[str],
    targets: Mapping[str, Mapping[str, Any]],
) -> list[str]:
    """One ``docker buildx build`` for a resolved bake target; a ``target:`` named context
    becomes the ``docker-image://`` of that target's first tag (pushed before)."""
    unknown = set(target) - KNOWN
    if unknown:
        raise ValueError(f"the baseline cannot build a target with {sorted(unknown)}")
    context = target.get("context", ".")
    dockerfile = Path(context) / target.get("dockerfile", "Dockerfile")
    cmd = ["docker", "buildx", "build", "--platform", ",".join(platforms)]
    cmd += ["--file", str(dockerfile)]
    for tag in target["tags"]:
        cmd += ["--tag", tag]
    cmd.append("--push" if push else "--load")
    for entry in attest:
        cmd += ["--attest", entry]
    for key, flag in FLAGS.items():
        value = target.get(key)
        if isinstance(value, dict):
            for name, item in value.items():
                if key == "contexts" and str(item).startswith("target:"):
                    item = "docker-image://" + targets[str(item)[7:]]["tags"][0]
                cmd += [flag, f"{name}={item}"]
        elif value:
            cmd += [flag, str(value)]
    return [*cmd, context]


def baseline(workdir: Path, subject: Subject, attestations: sbom.Attestations) -> float:
    """P2's baseline on a fresh copy: seconds of the image-by-image builds."""
    copy = Copy(workdir, subject, "seq")
    try:
        commands = image_by_image(copy, attestations)
        root = copy.plan.family.root
        return timed(lambda: [run.run(cmd, cwd=root) for cmd in commands])
    finally:
        copy.forget()


def registry_cache_build(workdir: Path, subject: Subject) -> float:
    """P4 on a fresh copy: fill the registry cache with a cold build, forget the copy
    locally, build again (timed)."""
    copy = Copy(workdir, subject, "cache", cache=True)
    try:
        print(f"=== bench: fill the registry cache ({copy.run_id}) ===", flush=True)
        pipeline.build(copy.plan)
        copy.forget()
        print(f"=== bench: build from the registry cache ({copy.run_id}) ===", flush=True)
        seconds = timed(lambda: pipeline.build(copy.plan))
        print(f"=== bench: registry cache build done in {seconds:.1f}s ===", flush=True)
        return seconds
    finally:
        copy.forget()
