"""family.schema.json: generated from bake.model.schema, which the validator's key sets also come
from; every valid family validates against it, and what the validator rejects for shape
the schema rejects too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bake.emit.generated import expected_files
from bake.model import schema, schema_json
from bake.model.family import load_family

ROOT = Path(__file__).resolve().parents[3]
FAMILIES = [
    ROOT / "family.yaml",
    *sorted((ROOT / "tests" / "fixtures").glob("*/family.yaml")),
]


@pytest.fixture(scope="module")
def validator() -> Any:
    document = json.loads(schema_json.render_json_schema())
    jsonschema.Draft202012Validator.check_schema(document)
    return jsonschema.Draft202012Validator(document)


def test_committed_schema_is_current_and_generated_next_to_the_family() -> None:
    family = load_family(ROOT / "family.yaml")
    files = expected_files(family, ROOT / "family.yaml")
    assert files[ROOT / schema.SCHEMA_NAME] == schema_json.render_json_schema()
    assert (ROOT / schema.SCHEMA_NAME).read_text() == schema_json.render_json_schema()


@pytest.mark.parametrize("path", FAMILIES, ids=lambda p: p.parent.name)
def test_every_family_file_validates(validator: Any, path: Path) -> None:
    validator.validate(yaml.safe_load(path.read_text()))


@pytest.mark.parametrize(
    "change",
    [
        {"registy": "x"},
        {"platforms": ["linux/arm/v6"]},
        {"layout": {"app": "x"}},
        {"from": {"apps": "ghcr.io/you/base:latest"}},
        {"apps": {"Bad_Name": {"description": "x"}}},
        {"apps": {"x": {"descripton": "x"}}},
        {"base": {}},
    ],
    ids=str,
)
def test_the_schema_rejects_what_the_validator_rejects(
    validator: Any, change: dict[str, Any]
) -> None:
    document = yaml.safe_load((ROOT / "tests/fixtures/tiny/family.yaml").read_text())
    document.update(change)
    assert list(validator.iter_errors(document)), change


def test_validator_key_sets_are_the_schema_s() -> None:
    document = json.loads(schema_json.render_json_schema())
    assert list(document["properties"]) == list(schema.names(schema.TOP))
    app = document["properties"]["apps"]["additionalProperties"]
    assert list(app["properties"]) == list(schema.names(schema.APP))
    assert document["required"] == ["base", "apps"]
