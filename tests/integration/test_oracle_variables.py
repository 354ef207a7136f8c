"""The bake functions (HCL and JSON) against the model's Python mirror under fuzzed
variables, and literal expectations for the reference family that do not come from the
mirror at all (a mirror can share its original's mistakes).

The variable fuzz is deliberately unvalidated: plain `docker buildx bake` users set any
value, and the model must still say exactly what buildx does.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bake.emit.generated import expected_files, write_files
from bake.model.family import Family, load_family
from bake.model.naming import Variables
from tests.buildx import bake_print, require_buildx
from tests.ci import examples
from tests.integration.test_oracle import model_target, resolved

REPO = Path(__file__).resolve().parents[2]


def _generated(source: Path, folder: Path) -> Family:
    shutil.copy(source, folder / "family.yaml")
    for sibling in source.parent.iterdir():  # the `files` folders must exist
        if sibling.is_dir() and not sibling.name.startswith("."):
            (folder / sibling.name).symlink_to(sibling)
    family = load_family(folder / "family.yaml")
    write_files(expected_files(family, folder / "family.yaml"))
    return family


@pytest.fixture(scope="module")
def fixture_family(tmp_path_factory: pytest.TempPathFactory) -> tuple[Family, Path]:
    require_buildx()
    folder = tmp_path_factory.mktemp("emit")
    return _generated(REPO / "tests/fixtures/emit/family.yaml", folder), folder


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_buildx()
    folder = tmp_path_factory.mktemp("reference")
    _generated(REPO / "family.yaml", folder)
    return folder


def _pieces(*words: str) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(words), max_size=5).map("".join)


VARIABLES = st.fixed_dictionaries(
    {},
    optional={
        "REGISTRY": _pieces("a.example/x", "b.example:5000/y/z", ",", "", "r"),
        "TAG": _pieces("latest", "edge", ",", "v", "1.2.3", "a_b", "-"),
        "VERSION": st.one_of(
            _pieces("v", "1", "2", "10", ".", "0", "-rc", "+b", "x"),
            st.from_regex(r"v?[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(-rc\.[0-9])?", fullmatch=True),
        ),
        "SHA": st.one_of(st.just(""), st.from_regex(r"[0-9a-f]{1,12}", fullmatch=True)),
        "CREATED": st.sampled_from(["", "2026-11-28T09:00:00Z", "now", "${X}"]),
        "CACHE_REGISTRY": st.sampled_from(["", "c.example/cache", "127.0.0.1:5000/c"]),
    },
)


@settings(max_examples=examples(6))
@given(env=VARIABLES)
@example(env={"VERSION": "v"})  # buildx: version label "", the model once said "latest"
@example(env={"REGISTRY": "", "TAG": ""})
@example(env={"TAG": ",", "VERSION": "v1.2.3", "SHA": "abc"})
def test_fuzzed_variables_resolve_as_the_model_says(
    fixture_family: tuple[Family, Path], env: dict[str, str]
) -> None:
    family, folder = fixture_family
    variables = Variables.from_env(family.config, env)
    from_hcl = bake_print(folder / "docker-bake.hcl", ["all"], env)
    from_json = bake_print(folder / "docker-bake.json", ["all"], env)
    assert from_hcl == from_json
    for image in family.images:
        assert resolved(from_hcl, image.name) == model_target(family, image, variables), image.name


RELEASE = {
    "REGISTRY": "127.0.0.1:5000/ci,ghcr.io/x",
    "TAG": "latest,edge",
    "VERSION": "v2.10.3",
    "SHA": "0123456789abcdef",
    "CREATED": "2026-11-28T09:00:00Z",
    "CACHE_REGISTRY": "127.0.0.1:5000/cache",
}
SOURCE = "https://github.com/example/neko-family"


def _tags(registries: list[str], names: list[str], tags: list[str]) -> list[str]:
    return [f"{r}/{n}:{t}" for n in names for r in registries for t in tags]


def test_reference_release_literally(reference: Path) -> None:
    printed = bake_print(reference / "docker-bake.json", ["nvidia-firefox"], RELEASE)
    hcl = bake_print(reference / "docker-bake.hcl", ["nvidia-firefox"], RELEASE)
    assert printed == hcl
    firefox = printed["target"]["firefox"]
    release_tags = ["latest", "edge", "2.10.3", "2.10", "2", "sha-0123456"]
    assert firefox["tags"] == _tags(
        ["127.0.0.1:5000/ci", "ghcr.io/x"], ["firefox", "arm-firefox"], release_tags
    )
    assert firefox["labels"] == {
        "org.opencontainers.image.created": "2026-11-28T09:00:00Z",
        "org.opencontainers.image.description": "Firefox ESR in the browser-reachable desktop",
        "org.opencontainers.image.licenses": "Apache-2.0",
        "org.opencontainers.image.revision": "0123456789abcdef",
        "org.opencontainers.image.source": SOURCE,
        "org.opencontainers.image.title": "firefox",
        "org.opencontainers.image.version": "2.10.3",
    }
    assert firefox["platforms"] == ["linux/amd64", "linux/arm64", "linux/arm/v7"]
    # firefox and its nvidia variant are YAML-only (packages): the shared inline Dockerfile
    assert firefox["contexts"] == {"base": "target:base", "files": "dockerfiles/apps/firefox"}
    assert firefox["context"] == "." and "dockerfile-inline" in firefox
    nvidia = printed["target"]["nvidia-firefox"]
    assert nvidia["tags"] == _tags(
        ["127.0.0.1:5000/ci", "ghcr.io/x"], ["nvidia-firefox"], release_tags
    )
    assert nvidia["platforms"] == ["linux/amd64", "linux/arm64"]
    assert nvidia["contexts"] == {
        "app": "target:firefox",
        "files": "dockerfiles/accelerators/nvidia",
    }
    assert nvidia["context"] == "." and "dockerfile-inline" in nvidia
    assert nvidia["labels"]["org.opencontainers.image.title"] == "nvidia-firefox"
    assert nvidia["labels"]["org.opencontainers.image.version"] == "2.10.3"
    assert nvidia["cache-from"] == [
        {"type": "registry", "ref": "127.0.0.1:5000/cache/nvidia-firefox:buildcache"}
    ]
    assert nvidia["cache-to"] == [
        {"type": "registry", "ref": "127.0.0.1:5000/cache/nvidia-firefox:buildcache", "mode": "max"}
    ]


LITERAL_VERSIONS = {
    # VERSION: (tags after TAG=latest, version label)
    "": (["latest"], "latest"),
    "1.2.3": (["latest", "1.2.3", "1.2", "1"], "1.2.3"),
    "v0.10.0": (["latest", "0.10.0", "0.10", "0"], "0.10.0"),
    "3.0.0-rc.1": (["latest", "3.0.0-rc.1"], "3.0.0-rc.1"),
    "latest": (["latest"], "latest"),
}


@pytest.mark.parametrize("version", sorted(LITERAL_VERSIONS))
def test_reference_versions_literally(reference: Path, version: str) -> None:
    env = {"REGISTRY": "r.example/n", "TAG": "latest", "VERSION": version}
    for name in ("docker-bake.hcl", "docker-bake.json"):
        base = bake_print(reference / name, ["base"], env)["target"]["base"]
        tags, label = LITERAL_VERSIONS[version]
        assert base["tags"] == [f"r.example/n/base:{t}" for t in tags], name
        assert base["labels"]["org.opencontainers.image.version"] == label, name
        assert base["labels"]["org.opencontainers.image.revision"] == "", name
