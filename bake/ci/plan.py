"""The CI plan: which build jobs a workflow runs, and what the merge job must find.

Pure: the family, the selected images and the bake variables in, plain data out. The
workflow's build matrix is ``matrix`` of ``python -m bake plan --json`` as it is, so the
platforms, runners and targets are written down once, in family.yaml.

- By default there is one build job per platform: it stages every selected image that
  has that platform (the parents once, through bake's ``target:`` contexts).
- ``per_image`` gives one job per image × platform instead (more, smaller jobs; each
  rebuilds the image's parents, usually from cache).
- Per image: the platforms the merge expects a record for, the record files, and every
  ``registry/name:tag`` the merge will set for the current REGISTRY/TAG/VERSION/SHA.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bake.model.family import Family, Image
from bake.model.naming import VARIABLES, Variables, image_refs
from bake.model.platforms import slug
from bake.model.runners import runner_for
from bake.publish.records import file_name

__all__ = ["CiPlan", "Job", "ImagePlan", "make_ci_plan"]


@dataclass(frozen=True)
class Job:
    """One build job: a platform on a runner, staging a selection restricted to it."""

    id: str  # unique, usable in artifact names and cache scopes: linux-arm-v7[-image]
    platform: str
    runner: str
    qemu: bool  # the runner emulates the platform: the job sets up QEMU first
    selection: str  # what the job passes to stage-<selection> / test-<selection>
    targets: tuple[str, ...]  # the images it stages, in build order

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "platform": self.platform,
            "runner": self.runner,
            "qemu": self.qemu,
            "selection": self.selection,
            "targets": list(self.targets),
        }


@dataclass(frozen=True)
class ImagePlan:
    """What the merge job expects and sets for one image."""

    name: str
    platforms: tuple[str, ...]
    records: tuple[str, ...]  # the stage record file names, one per platform
    tags: tuple[str, ...]  # every registry/name:tag (aliases included)

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "platforms": list(self.platforms),
            "records": list(self.records),
            "tags": list(self.tags),
        }


@dataclass(frozen=True)
class CiPlan:
    """The whole plan; ``as_dict`` is the JSON that ``python -m bake plan --json`` prints."""

    selection: str
    variables: Variables
    jobs: tuple[Job, ...]
    images: tuple[ImagePlan, ...]

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(job.platform for job in self.jobs))

    def as_dict(self) -> dict[str, object]:
        return {
            "selection": self.selection,
            "empty": not self.jobs,  # nothing to build (e.g. nothing affected): skip the jobs
            "variables": {v.name: getattr(self.variables, v.name) for v in VARIABLES},
            "platforms": list(self.platforms),
            "matrix": {"include": [job.as_dict() for job in self.jobs]},
            "images": [image.as_dict() for image in self.images],
        }


def make_ci_plan(
    family: Family,
    selection: str,
    images: Sequence[Image],
    variables: Variables,
    per_image: bool = False,
) -> CiPlan:
    """Jobs for ``images`` (the resolved ``selection``), in the family's platform order."""
    jobs = (
        _per_image_jobs(family, images)
        if per_image
        else _per_platform_jobs(family, selection, images)
    )
    return CiPlan(
        selection=selection,
        variables=variables,
        jobs=jobs,
        images=tuple(
            ImagePlan(
                name=image.name,
                platforms=image.platforms,
                records=tuple(file_name(image.name, p) for p in image.platforms),
                tags=image_refs(image, variables),
            )
            for image in images
        ),
    )


def _job(family: Family, job_id: str, platform: str, selection: str, targets: Sequence[str]) -> Job:
    runner = runner_for(platform, family.config.ci)
    return Job(job_id, platform, runner.label, runner.emulated, selection, tuple(targets))


def _per_platform_jobs(family: Family, selection: str, images: Sequence[Image]) -> tuple[Job, ...]:
    return tuple(
        _job(
            family,
            slug(platform),
            platform,
            selection,
            [image.name for image in images if platform in image.platforms],
        )
        for platform in family.config.platforms
        if any(platform in image.platforms for image in images)
    )


def _per_image_jobs(family: Family, images: Sequence[Image]) -> tuple[Job, ...]:
    return tuple(
        _job(family, f"{slug(platform)}-{image.name}", platform, image.name, [image.name])
        for platform in family.config.platforms
        for image in images
        if platform in image.platforms
    )
