"""Every name a user chooses is checked against every name the emitter generates
(abstract targets, groups, variants, aliases), and every value that ends up in a bake
file is validated after splitting: the emitter is never silently wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bake.front import cli
from bake.model.family import load_family
from tests.buildx import bake_print, require_buildx
from tests.families import write_text

FAMILY = """\
registry: ghcr.io/example/neko
base:
  description: the base
apps:
  firefox:
    description: Firefox
    aliases: [arm-firefox]
  vlc:
    description: VLC
accelerators:
  nvidia:
    description: NVIDIA
"""


def generate(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "family.yaml"
    write_text(path, text)
    code = cli.main(["--config", str(path), "generate"])
    return code, capsys.readouterr().err


def add_accelerator(name: str) -> str:
    return FAMILY + f"  {name}:\n    description: X\n"


def add_app(name: str, extra: str = "") -> str:
    return FAMILY.replace(
        "accelerators:\n", f"  {name}:\n    description: X\n{extra}accelerators:\n"
    )


CLASHES = {
    # an accelerator's abstract target _<name> against the shared ones
    "accelerator app": (
        add_accelerator("app"),
        "accelerators.app",
        "duplicate name '_app': the abstract target '_app' of accelerator 'app' clashes with "
        "the abstract target '_app' shared by every app",
    ),
    "accelerator common": (
        add_accelerator("common"),
        "accelerators.common",
        "duplicate name '_common': the abstract target '_common' of accelerator 'common' "
        "clashes with the abstract target '_common' shared by every image",
    ),
    "app base": (add_app("base"), "apps.base", "app 'base' clashes with the base image"),
    "app all": (add_app("all"), "apps.all", "app 'all' clashes with the group 'all'"),
    "app default": (add_app("default"), "apps.default", "the group 'default'"),
    "accelerator apps": (
        add_accelerator("apps"),
        "accelerators.apps",
        "the group 'apps' (Every apps variant) clashes with the group 'apps' that the family "
        "defines",
    ),
    "accelerator base": (
        add_accelerator("base"),
        "accelerators.base",
        "the group 'base' (Every base variant) clashes with base 'base' at base",
    ),
    "app named like an accelerator group": (
        add_app("nvidia"),
        "accelerators.nvidia",
        "the group 'nvidia' (Every nvidia variant) clashes with app 'nvidia' at apps.nvidia",
    ),
    "app named like a variant": (
        add_app("nvidia-vlc"),
        "accelerators.nvidia",
        "the variant 'nvidia-vlc' (accelerator 'nvidia' × app 'vlc') clashes with "
        "app 'nvidia-vlc' at apps.nvidia-vlc",
    ),
    "two variants with one name": (
        FAMILY.replace(
            "  vlc:\n", "  b-c:\n    description: BC\n  c:\n    description: C\n  vlc:\n"
        )
        + "  a:\n    description: A\n  a-b:\n    description: AB\n",
        "accelerators.a-b",
        "duplicate name 'a-b-c': the variant 'a-b-c' (accelerator 'a-b' × app 'c') clashes "
        "with the variant 'a-b-c' (accelerator 'a' × app 'b-c') at accelerators.a",
    ),
    "app named like an app's group": (
        add_app("firefox-all"),
        "apps.firefox",
        "the group 'firefox-all' (firefox and its accelerator variants) clashes with app "
        "'firefox-all' at apps.firefox-all",
    ),
    "alias named like a variant": (
        FAMILY.replace("[arm-firefox]", "[nvidia-vlc]"),
        "accelerators.nvidia",
        "the variant 'nvidia-vlc' (accelerator 'nvidia' × app 'vlc') clashes with alias "
        "'nvidia-vlc' of firefox at apps.firefox.aliases[0]",
    ),
    "alias named like a group": (
        FAMILY.replace("[arm-firefox]", "[vlc-all]"),
        "apps.vlc",
        "clashes with alias 'vlc-all' of firefox at apps.firefox.aliases[0]",
    ),
    "alias of the base named like a group": (
        FAMILY.replace("  description: the base\n", "  description: the base\n  aliases: [all]\n"),
        "base.aliases[0]",
        "alias 'all' of base clashes with the group 'all'",
    ),
    "too long a name": (add_app("a" * 64), "apps." + "a" * 64, "at most 63 are allowed"),
    "too long a variant name": (
        add_app("a" * 60),
        "accelerators.nvidia",
        "the variant 'nvidia-"
        + "a" * 60
        + "' (accelerator 'nvidia' × app '"
        + "a" * 60
        + "') is 67 characters long (at most 63)",
    ),
}


@pytest.mark.parametrize("case", sorted(CLASHES))
def test_name_clashes_name_both_entries(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, key_path, expected = CLASHES[case]
    code, err = generate(tmp_path, text, capsys)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f" error at {key_path}: " in err, err
    assert expected in err, err
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["family.yaml"]


INVALID = {
    "registry with a space after the comma": (
        FAMILY.replace("ghcr.io/example/neko", '"a.example/x, b.example/y"'),
        "registry",
        "' b.example/y' is not a registry/namespace",
    ),
    "registry with an empty part": (
        FAMILY.replace("ghcr.io/example/neko", '"a.example/x,"'),
        "registry",
        "'' is not a registry/namespace",
    ),
    "registry climbing up": (
        FAMILY.replace("ghcr.io/example/neko", "../neko"),
        "registry",
        "'../neko' is not a registry/namespace",
    ),
    "no tags": (FAMILY + "tags: []\n", "tags", "expected at least one tag"),
    "no apps": (
        FAMILY.split("apps:")[0] + "apps: {}\n",
        "apps",
        "expected at least one app",
    ),
    "empty label key": (
        FAMILY + 'labels: {"": x}\n',
        'labels[""]',
        "'' is not a label key",
    ),
    "label key with =": (FAMILY + 'labels: {"a=b": x}\n', 'labels["a=b"]', "is not a label key"),
    "label key with a newline": (
        FAMILY + 'labels: {"a\\nb": x}\n',
        'labels["a\\nb"]',
        "is not a label key",
    ),
    "label key with ${": (
        FAMILY.replace(
            "    description: VLC\n", '    description: VLC\n    labels: {"a${X}": x}\n'
        ),
        'apps.vlc.labels["a${X}"]',
        "is not a label key",
    ),
    "name with a trailing newline": (
        FAMILY.replace("  vlc:\n", '  "vlc\\n":\n'),
        'apps["vlc\\n"]',
        "'vlc\\n' is not a valid image/target name",
    ),
    "tag with a trailing newline": (
        FAMILY + 'tags: ["x\\n"]\n',
        "tags[0]",
        "is not a valid image tag",
    ),
    "label key with %{": (
        FAMILY + 'labels: {"a%{x}": x}\n',
        'labels["a%{x}"]',
        "is not a label key",
    ),
    "label key with a space": (
        FAMILY + 'labels: {"a b": x}\n',
        'labels["a b"]',
        "is not a label key",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_values_are_one_clean_error(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, key_path, expected = INVALID[case]
    code, err = generate(tmp_path, text, capsys)
    assert code == 2, err
    assert "Traceback" not in err
    assert f" error at {key_path}: " in err, err
    assert expected in err, err
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["family.yaml"]


def test_valid_label_keys_and_registries_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "family.yaml"
    write_text(
        path,
        FAMILY.replace("ghcr.io/example/neko", "localhost:5000/a,registry-1.example.com/b/c")
        + "labels: {com.example/Team_1: x, a: y, org.opencontainers.image.url: z}\n",
    )
    family = load_family(path)
    assert family.config.labels == {
        "a": "y",
        "com.example/Team_1": "x",
        "org.opencontainers.image.url": "z",
    }


OVERRIDE = FAMILY.replace(
    "base:\n",
    "layout: {base: dockerfiles/base, apps: 'dockerfiles/apps/{name}',"
    " accelerators: 'dockerfiles/accelerators/{name}'}\nbase:\n",
    1,
).replace(
    "    description: VLC\n",
    "    description: VLC\n    accelerators:\n      nvidia:\n"
    "        dockerfile: dockerfiles/accelerators/nvidia/Dockerfile\n"
    "        context: dockerfiles/apps/vlc\n",
)


def test_override_of_the_context_only_reaches_the_bake_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A per-app override that keeps the shared Dockerfile in its own context: the
    model, `show` and both bake files agree on the context."""
    require_buildx()
    path = tmp_path / "family.yaml"
    write_text(path, OVERRIDE)
    assert cli.main(["--config", str(path), "generate"]) == 0
    capsys.readouterr()
    assert cli.main(["--config", str(path), "show", "nvidia-vlc", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)[0]
    assert shown["context"] == "dockerfiles/apps/vlc"
    assert shown["dockerfile"] == "dockerfiles/accelerators/nvidia/Dockerfile"
    for name in ("docker-bake.hcl", "docker-bake.json"):
        target = bake_print(tmp_path / name, ["nvidia-vlc"])["target"]["nvidia-vlc"]
        assert target["context"] == "dockerfiles/apps/vlc", name
        assert target["dockerfile"] == "../../accelerators/nvidia/Dockerfile", name
        untouched = bake_print(tmp_path / name, ["nvidia-firefox"])["target"]["nvidia-firefox"]
        assert untouched["context"] == "dockerfiles/accelerators/nvidia", name


def test_an_alias_is_accepted_where_its_image_name_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "family.yaml"
    write_text(path, FAMILY)
    assert cli.main(["--config", str(path), "show", "arm-firefox", "--json"]) == 0
    assert [i["name"] for i in json.loads(capsys.readouterr().out)] == ["firefox"]
    assert cli.main(["--config", str(path), "matrix", "arm-firefox", "--compact"]) == 0
    assert '"target": "firefox"' in capsys.readouterr().out


def test_an_alias_selects_its_image_in_a_plan(tmp_path: Path) -> None:
    from bake.build import pipeline

    path = tmp_path / "family.yaml"
    write_text(path, FAMILY)
    plan = pipeline.make_plan(path, "arm-firefox", env={})
    assert plan.selection == "firefox"  # what bake is asked to build: bake has no alias
    assert [i.name for i in plan.images] == ["firefox"]


def test_an_unknown_target_is_a_usage_error_not_a_family_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "family.yaml"
    write_text(path, FAMILY)
    assert cli.main(["--config", str(path), "show", "firefx"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no target or group named 'firefx'; did you mean 'firefox'?")
    assert str(path) not in err
