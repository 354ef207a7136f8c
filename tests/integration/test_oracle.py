"""The emitted files against the real buildx parser: `docker buildx bake --print` on the
HCL and on the JSON must agree with each other and with what the model says."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from bake.emit.document import dockerfile_in_context
from bake.emit.generated import expected_files, write_files
from bake.model.family import Family, Image, load_family
from bake.model.naming import DEFAULT_EPOCH, Variables, image_refs
from bake.model.packages import build_args, dockerfile_for
from bake.model.specs import ImageSpec
from tests.buildx import bake_print, require_buildx
from tests.oracle import cache_refs, image_labels

REPO = Path(__file__).resolve().parents[2]
FAMILIES = {
    "reference": REPO / "family.yaml",
    "emit-fixture": REPO / "tests/fixtures/emit/family.yaml",
    "adopt-fixture": REPO / "tests/fixtures/adopt/family.yaml",
}
ENVIRONMENTS = [
    {},
    {"REGISTRY": "127.0.0.1:5000/ci", "TAG": "", "VERSION": "v2.10.3", "SHA": "0123456789abcdef"},
    {"REGISTRY": "a.example/x,b.example/y", "TAG": "latest,nightly", "VERSION": "3.0.0-rc.1"},
    {"TAG": "edge", "CREATED": "2026-11-28T00:00:00Z", "SHA": "abc"},
    {"CACHE_REGISTRY": "127.0.0.1:5000/cache"},
]


@pytest.fixture(scope="module", params=sorted(FAMILIES))
def generated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Family, Path]:
    """The family and a folder holding its freshly generated bake files."""
    require_buildx()
    source = FAMILIES[request.param]
    folder = tmp_path_factory.mktemp(request.param)
    shutil.copy(source, folder / "family.yaml")
    for sibling in source.parent.iterdir():  # Dockerfiles, contexts, `files` folders must exist
        if sibling.is_dir() and not sibling.name.startswith("."):
            (folder / sibling.name).symlink_to(sibling)
    family = load_family(folder / "family.yaml")
    write_files(expected_files(family, folder / "family.yaml"))
    return family, folder


def model_target(family: Family, image: Image, variables: Variables) -> dict[str, Any]:
    """What the model says buildx must resolve ``image`` to."""
    expected: dict[str, Any] = {
        "description": image.description,
        "context": image.context or ".",  # "": built from packages (_recipe_fields)
        "dockerfile": dockerfile_in_context(image.dockerfile or ".", image.context or "."),
        "platforms": list(image.platforms),
        "labels": image_labels(family.config, image, variables),
        "args": {
            "SOURCE_DATE_EPOCH": DEFAULT_EPOCH,
            **family.config.args,
            **_tier_args(family, image),
            **image.args,
        },
    }
    if image_refs(image, variables):  # buildx leaves out an empty list
        expected["tags"] = list(image_refs(image, variables))
    if image.parent:
        expected["contexts"] = {image.context_name: f"target:{image.parent}"}
    if image.recipe is not None:
        expected.update(_recipe_fields(family, image))
    for key, entries in zip(("cache-from", "cache-to"), cache_refs(image, variables), strict=True):
        if entries:  # buildx prints each cache entry as its key=value fields
            expected[key] = [dict(field.split("=", 1) for field in e.split(",")) for e in entries]
    return expected


def _accelerator(family: Family, image: Image) -> ImageSpec:
    return next(s for s in family.config.accelerators if s.name == image.accelerator)


def _recipe_fields(family: Family, image: Image) -> dict[str, Any]:
    """An image built from packages: the shared Dockerfile inline, the default context and
    Dockerfile name (unused), the files context, the recipe's build args."""
    recipe = image.recipe
    assert recipe is not None
    name, platforms, args = image.name, image.platforms, {}
    if image.tier == "accelerator":
        spec = _accelerator(family, image)
        platforms = tuple(p for p in family.config.platforms if p in (spec.platforms or [p]))
        name, args = spec.name, {"PARENT": "app"}
    fields: dict[str, Any] = {
        "context": ".",
        "dockerfile": "Dockerfile",
        "dockerfile-inline": dockerfile_for(recipe),
        "args": {
            "SOURCE_DATE_EPOCH": DEFAULT_EPOCH,
            **family.config.args,
            **_tier_args(family, image),
            **image.args,
            **args,
            **build_args(recipe, name, platforms),
        },
    }
    if recipe.files is not None:
        fields["contexts"] = {image.context_name: f"target:{image.parent}", "files": recipe.files}
    return fields


def _tier_args(family: Family, image: Image) -> dict[str, str]:
    if image.tier != "accelerator":
        return {}
    return next(s.args for s in family.config.accelerators if s.name == image.accelerator)


def unescape_printed(value: str) -> str:
    """--print re-escapes ``${``/``%{`` in args and labels (buildx#3097) so that its output
    is itself a valid bake file; undo that to get the value the build receives."""
    return value.replace("$${", "${").replace("%%{", "%{")


def resolved(printed: dict[str, Any], name: str) -> dict[str, Any]:
    """The fields of a printed target that the model speaks for, as the build sees them."""
    target = dict(printed["target"][name])
    for key in ("args", "labels"):
        target[key] = {k: unescape_printed(v) for k, v in target.get(key, {}).items()}
    if "dockerfile-inline" in target:
        target["dockerfile-inline"] = unescape_printed(target["dockerfile-inline"])
    keys = (
        "description",
        "context",
        "dockerfile",
        "dockerfile-inline",
        "platforms",
        "tags",
        "labels",
        "args",
        "contexts",
        "cache-from",
        "cache-to",
    )
    return {key: target[key] for key in keys if key in target}


@pytest.mark.parametrize(
    "env", ENVIRONMENTS, ids=["defaults", "release", "two-registries", "sha-created", "cache"]
)
def test_hcl_and_json_resolve_to_the_model(
    generated: tuple[Family, Path], env: dict[str, str]
) -> None:
    family, folder = generated
    variables = Variables.from_env(family.config, env)
    from_hcl = bake_print(folder / "docker-bake.hcl", ["all"], env)
    from_json = bake_print(folder / "docker-bake.json", ["all"], env)
    assert from_hcl == from_json
    assert sorted(from_hcl["target"]) == sorted(i.name for i in family.images)
    for image in family.images:
        assert resolved(from_hcl, image.name) == model_target(family, image, variables), image.name


def test_every_group_resolves_to_its_members(generated: tuple[Family, Path]) -> None:
    family, folder = generated
    for group in family.groups:
        printed = bake_print(folder / "docker-bake.hcl", [group.name])
        selected = family.select(group.name)
        # buildx also prints the parents it reaches through target: contexts
        chains = {name for image in selected for name in image.chain}
        assert set(printed["target"]) == chains, group.name


def test_a_single_target_brings_its_chain(generated: tuple[Family, Path]) -> None:
    family, folder = generated
    deepest = max(family.images, key=lambda i: len(i.chain))
    printed = bake_print(folder / "docker-bake.json", [deepest.name])
    assert set(deepest.chain) <= set(printed["target"])


def test_list_targets_shows_descriptions(generated: tuple[Family, Path]) -> None:
    import subprocess

    family, folder = generated
    listing = subprocess.run(
        ["docker", "buildx", "bake", "-f", "docker-bake.hcl", "--list", "targets"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for image in family.images:
        line = next(row for row in listing.splitlines() if row.split()[:1] == [image.name])
        assert image.description.split()[0] in line
    for group in family.groups:
        assert any(row.split()[:1] == [group.name] for row in listing.splitlines())
