"""Emitted text: golden files, determinism, the layering the HCL must show."""

from __future__ import annotations

import os
from pathlib import Path

import hcl2
import pytest

from bake.emit.document import hcl_string, render_hcl, render_json
from bake.model.family import load_family

HERE = Path(__file__).parents[2]
FAMILY = load_family(HERE / "fixtures/emit/family.yaml")
GOLDEN = HERE / "golden"


@pytest.mark.parametrize(
    ("name", "render"),
    [
        ("docker-bake.hcl", lambda: render_hcl(FAMILY, "family.yaml")),
        ("docker-bake.json", lambda: render_json(FAMILY)),
    ],
)
def test_golden(name: str, render) -> None:  # noqa: ANN001
    text = render()
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(text)
    assert text == golden.read_text(), f"{name} changed; review and rerun with UPDATE_GOLDEN=1"


def test_rendering_is_deterministic() -> None:
    again = load_family(HERE / "fixtures/emit/family.yaml")
    assert render_hcl(FAMILY, "family.yaml") == render_hcl(again, "family.yaml")
    assert render_json(FAMILY) == render_json(again)


def test_inheritance_mirrors_the_tiers() -> None:
    parsed = hcl2.loads(render_hcl(FAMILY, "family.yaml"))
    targets = {name.strip('"'): body for block in parsed["target"] for name, body in block.items()}

    def inherits(name: str) -> list[str]:
        return [t.strip('"') for t in targets[name].get("inherits", [])]

    assert inherits("_app") == ["_common"]
    assert inherits("_nvidia") == ["_common"]
    assert inherits("base") == ["_common"]
    assert inherits("firefox") == ["_app"]
    assert inherits("nvidia-firefox") == ["_nvidia"]
    assert inherits("intel-media") == ["_intel"]
    # built from packages: the shared Dockerfile comes from _packages
    assert inherits("kiosk") == ["_app", "_packages"]
    assert inherits("_nvidia-packages") == ["_nvidia", "_packages"]
    assert inherits("nvidia-kiosk") == ["_nvidia-packages"]
    assert inherits("nvidia-firefox") == ["_nvidia"]  # firefox's own nvidia Dockerfile


def test_header_says_generated() -> None:
    text = render_hcl(FAMILY, "family.yaml")
    assert text.startswith("# docker-bake.hcl: GENERATED from family.yaml")
    assert "python -m bake generate" in text.splitlines()[1]


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ('say "hi"', r'"say \"hi\""'),
        ("a\\b", r'"a\\b"'),
        ("x\ny", r'"x\ny"'),
        ("${X}", '"$${X}"'),
        ("%{ if }", '"%%{ if }"'),
        ("\x01", r'"\u0001"'),
        ('"${X}"', r'"\u0022$${X}\""'),  # python-hcl2 would mangle \"$${
    ],
)
def test_hcl_string_escapes(text: str, literal: str) -> None:
    assert hcl_string(text) == literal
