"""Resolution of the family: chains, platform intersections, variants, tests, groups."""

from __future__ import annotations

from pathlib import Path

import pytest

from bake.core.errors import ConfigError, UsageError
from bake.model.family import Family, load_family

FIXTURE = Path(__file__).parents[2] / "fixtures/emit/family.yaml"


@pytest.fixture(scope="module")
def family() -> Family:
    return load_family(FIXTURE)


def test_images_come_parents_first(family: Family) -> None:
    names = [i.name for i in family.images]
    for image in family.images:
        if image.parent:
            assert names.index(image.parent) < names.index(image.name)


def test_chains_and_tiers(family: Family) -> None:
    assert family.image("base").chain == ("base",)
    assert family.image("kiosk").chain == ("base", "firefox", "kiosk")
    assert family.image("kiosk").parent == "firefox"
    assert family.image("nvidia-kiosk").chain == ("base", "firefox", "kiosk", "nvidia-kiosk")
    assert {i.tier for i in family.images} == {"base", "app", "accelerator"}
    assert family.image("kiosk").context_name == "base"
    assert family.image("intel-firefox").context_name == "app"


def test_platforms_are_the_intersection_along_the_chain(family: Family) -> None:
    assert family.image("firefox").platforms == ("linux/amd64", "linux/arm64", "linux/arm/v7")
    assert family.image("kiosk").platforms == ("linux/amd64", "linux/arm64")
    assert family.image("nvidia-firefox").platforms == ("linux/amd64", "linux/arm64")
    assert family.image("intel-kiosk").platforms == ("linux/amd64",)
    assert family.image("intel-media").platforms == ("linux/amd64",)


def test_opt_out_and_override(family: Family) -> None:
    names = {i.name for i in family.images}
    assert "nvidia-media" not in names  # media opted out of nvidia
    assert family.image("nvidia-firefox").dockerfile == "dockerfiles/apps/firefox/nvidia.Dockerfile"
    assert family.image("nvidia-firefox").context == "dockerfiles/apps/firefox"
    assert family.image("intel-kiosk").dockerfile == "dockerfiles/accelerators/intel/Dockerfile"
    # nvidia is built from packages, except where an app brings its own Dockerfile
    assert family.image("nvidia-kiosk").recipe == family.config.accelerators[0].recipe
    assert family.image("nvidia-firefox").recipe is None


def test_tests_are_inherited_down_the_chain(family: Family) -> None:
    tests = family.image("nvidia-kiosk").tests
    assert [(t.origin, t.name) for t in tests] == [
        ("base", "shell"),
        ("firefox", "version"),
        ("nvidia", "env"),
    ]


def test_aliases_stay_with_their_app(family: Family) -> None:
    assert family.image("firefox").aliases == ("arm-firefox",)
    assert family.image("nvidia-firefox").aliases == ()


def test_groups(family: Family) -> None:
    def members(name: str) -> list[str]:
        return [i.name for i in family.select(name)]

    assert members("default") == members("all") == [i.name for i in family.images]
    assert members("apps") == ["firefox", "kiosk", "editor", "media"]
    assert members("nvidia") == ["nvidia-firefox", "nvidia-kiosk", "nvidia-editor"]
    assert members("intel") == ["intel-firefox", "intel-kiosk", "intel-editor", "intel-media"]
    assert members("firefox-all") == ["firefox", "nvidia-firefox", "intel-firefox"]
    assert members("kiosk") == ["kiosk"]


def test_unknown_selection_has_a_hint(family: Family) -> None:
    # a usage error (exit 2), not an error of the family file
    with pytest.raises(UsageError, match="did you mean 'firefox'") as raised:
        family.select("firefx")
    assert not isinstance(raised.value, ConfigError)
    assert raised.value.exit_code == 2


def test_reference_family_matches_the_issue() -> None:
    family = load_family(Path(__file__).parents[3] / "family.yaml")
    apps = [i for i in family.images if i.tier == "app"]
    assert {"firefox", "chromium"} <= {a.name for a in apps} and len(apps) >= 4
    assert family.image("nvidia-firefox").platforms == ("linux/amd64", "linux/arm64")
    assert family.image("intel-firefox").platforms == ("linux/amd64",)
    for image in family.images:
        assert image.tests, f"{image.name} declares no smoke test"


def test_tiers_are_a_type_and_parents_are_named_by_the_family_file() -> None:
    from bake.model.family import Tier

    adopt = load_family(Path(__file__).parents[2] / "fixtures/adopt/family.yaml")
    tiers = {image.name: image.tier for image in adopt.images}
    assert tiers == {
        "base": Tier.BASE,
        "hello": Tier.APP,
        "shout": Tier.APP,
        "turbo-hello": Tier.ACCELERATOR,
        "turbo-shout": Tier.ACCELERATOR,
    }
    names = {image.name: image.context_name for image in adopt.images}
    assert names == {
        "base": None,
        "hello": "registry.example.com/you/base",
        "shout": "registry.example.com/you/hello",
        "turbo-hello": "registry.example.com/you/app",
        "turbo-shout": "registry.example.com/you/app",
    }
