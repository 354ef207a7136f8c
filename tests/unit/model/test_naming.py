"""Published names and tags as a function of the bake variables."""

from __future__ import annotations

from pathlib import Path

from bake.model.family import load_family
from bake.model.naming import Variables, image_refs, semver_tags
from tests.oracle import image_labels

FAMILY = load_family(Path(__file__).parents[2] / "fixtures/emit/family.yaml")


def test_semver_expansion() -> None:
    assert semver_tags("1.2.3") == ("1.2.3", "1.2", "1")
    assert semver_tags("v10.0.7") == ("10.0.7", "10.0", "10")
    assert semver_tags("2.0.0-rc.1") == ("2.0.0-rc.1",)
    assert semver_tags("") == ()


def test_defaults_come_from_the_family_file() -> None:
    variables = Variables.defaults(FAMILY.config)
    assert image_refs(FAMILY.image("media"), variables) == (
        "registry.example.com/team/desk/media:latest",
        "registry.example.com/team/desk/media:edge",
        "mirror.example.org/desk/media:latest",
        "mirror.example.org/desk/media:edge",
    )


def test_release_with_sha_and_aliases() -> None:
    variables = Variables.from_env(
        FAMILY.config,
        {"REGISTRY": "r.io/n", "TAG": "latest", "VERSION": "1.4.2", "SHA": "deadbeefcafe"},
    )
    assert image_refs(FAMILY.image("firefox"), variables) == tuple(
        f"r.io/n/{name}:{tag}"
        for name in ("firefox", "arm-firefox")
        for tag in ("latest", "1.4.2", "1.4", "1", "sha-deadbee")
    )


def test_empty_env_value_overrides_the_default_like_bake() -> None:
    variables = Variables.from_env(FAMILY.config, {"TAG": "", "VERSION": "3.1.0"})
    assert [r.rsplit(":", 1)[1] for r in image_refs(FAMILY.image("base"), variables)][:3] == [
        "3.1.0",
        "3.1",
        "3",
    ]


def test_labels() -> None:
    variables = Variables.from_env(
        FAMILY.config, {"SHA": "abc", "VERSION": "v2.0.0", "CREATED": "now"}
    )
    labels = image_labels(FAMILY.config, FAMILY.image("intel-media"), variables)
    assert labels["org.opencontainers.image.title"] == "intel-media"
    assert labels["org.opencontainers.image.revision"] == "abc"
    assert labels["org.opencontainers.image.version"] == "2.0.0"
    assert labels["org.opencontainers.image.created"] == "now"
    assert labels["org.opencontainers.image.licenses"] == "MPL-2.0"
    assert labels["org.opencontainers.image.source"] == "https://example.com/desk"
