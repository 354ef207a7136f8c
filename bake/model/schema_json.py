"""The family file as a JSON Schema (``family.schema.json``), from ``bake.model.schema``'s
key tables: each kind of value is one row of ``_KINDS`` (the readers in ``config``
enforce the same)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bake.model import platforms
from bake.model.schema import (
    ACCELERATOR,
    ACCELERATOR_USE,
    APP,
    ARG_RE,
    BASE,
    FROM,
    FROM_RE,
    LABEL_KEY_RE,
    LAYOUT,
    NAME_RE,
    TAG_RE,
    TEST,
    TOP,
    Key,
)

__all__ = ["json_schema", "render_json_schema"]

_STRING = {"type": "string"}
_NAME = {"type": "string", "pattern": NAME_RE.pattern}
_STRINGS = {"type": "array", "items": _STRING}
_RUNNER = {"type": "string", "pattern": r"^\S+$"}
_COUNT = {"type": "integer", "minimum": 0}


def _mapping(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return {**schema, "additionalProperties": False}


def _keyed(pattern: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "propertyNames": pattern, "additionalProperties": value}


def _platform_set() -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"enum": list(platforms.names())},
        "minItems": 1,
        "uniqueItems": True,
    }


def _packages() -> dict[str, Any]:
    per_platform = _keyed({"enum": ["all", *platforms.names()]}, _STRINGS)
    return {"oneOf": [_STRINGS, per_platform]}


def _ci() -> dict[str, Any]:
    runner = {
        "oneOf": [
            _RUNNER,
            _mapping({"runner": _RUNNER, "emulated": {"type": "boolean"}}, ("runner",)),
        ]
    }
    return _mapping({"runners": _keyed({"enum": list(platforms.names())}, runner)})


def _object(keys: tuple[Key, ...], description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"}
    if description:
        schema["description"] = description
    schema["properties"] = {key.name: _property(key) for key in keys}
    required = [key.name for key in keys if key.required]
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    return schema


def _by_name(value: dict[str, Any]) -> dict[str, Any]:
    return _keyed({"pattern": NAME_RE.pattern}, value)


# fmt: off
# kind → its schema (built on demand: some contain other kinds)
_KINDS: dict[str, Callable[[], dict[str, Any]]] = {
    "text": lambda: _STRING,
    "regex": lambda: {"type": "string", "format": "regex"},
    "bool": lambda: {"type": "boolean"},
    "path": lambda: _STRING,
    "name": lambda: _NAME,
    "names": lambda: {"type": "array", "items": _NAME, "uniqueItems": True},
    "from": lambda: {"type": "string", "pattern": FROM_RE.pattern},
    "registry": lambda: _STRING,
    "tags": lambda: {"type": "array", "items": {"type": "string", "pattern": TAG_RE.pattern}},
    "platforms": _platform_set,
    "labels": lambda: _keyed({"pattern": LABEL_KEY_RE.pattern}, _STRING),
    "args": lambda: _keyed({"pattern": ARG_RE.pattern}, _STRING),
    "tests": lambda: {"type": "array", "items": _object(TEST)},
    "layout": lambda: _object(LAYOUT),
    "from-defaults": lambda: _object(FROM),
    "base": lambda: _object(BASE),
    "apps": lambda: _by_name(_object(APP)),
    "accelerators": lambda: _by_name(_object(ACCELERATOR)),
    "packages": _packages,
    "program": lambda: _mapping({"command": _STRING, "priority": _COUNT, "user": _STRING}, ("command",)),
    "ci": _ci,
    "prune": lambda: _mapping({"keep_sha": _COUNT, "keep_days": _COUNT}),
    "accelerator-uses": lambda: _by_name({"oneOf": [{"type": "boolean"}, _object(ACCELERATOR_USE)]}),
}
# fmt: on


def _property(key: Key) -> dict[str, Any]:
    kind = _KINDS.get(key.kind)
    schema = dict(kind()) if kind else {}  # an unknown kind accepts anything
    schema["description"] = key.description + (f" (default: {key.default})" if key.default else "")
    return schema


def json_schema() -> dict[str, Any]:
    """The whole family file as a JSON Schema (draft 2020-12)."""
    schema = _object(TOP, "An image family for neko-bake (family.yaml)")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "neko-bake family file",
        **schema,
        "patternProperties": {"^x-": {}},  # ignored, like Compose's: anchors to merge from
    }


def render_json_schema() -> str:
    """The JSON Schema as the text written to ``family.schema.json`` (deterministic)."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
