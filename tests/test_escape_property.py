"""Property: any text in descriptions, labels and args survives HCL (and JSON) → buildx
exactly — quotes, backslashes, newlines, control characters, ``${`` and ``%{``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bake.config import load_config
from bake.family import resolve
from bake.generated import expected_files, write_files
from tests.buildx import bake_print, require_buildx
from tests.test_oracle import resolved

REPO = Path(__file__).resolve().parent.parent
# Any character but surrogates (not encodable as UTF-8) and NUL (Go strings keep it, but
# no Docker label or arg can carry one through a Dockerfile); templates are made likely.
TEXT = st.lists(
    st.one_of(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        st.sampled_from(["${", "%{", "$${", "%%{", "}", "\\", '"', "\n", "$", "%"]),
    ),
    max_size=20,
).map("".join)
# bake treats "" as "no description" (the config refuses it), so at least one character.
DESCRIPTION = TEXT.filter(bool)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(description=DESCRIPTION, label=TEXT, arg=TEXT)
@example(description='say "${X}"', label='"${', arg='\\"${Y}"')  # python-hcl2 mangles \"$${
# python-hcl2 could not render "%%{{" at all; bake.hclwrite, which renders now, can.
@example(description="%%{{", label="a%%{{b", arg='"%%{x}"')
def test_arbitrary_text_survives_buildx(
    tmp_path: Path, description: str, label: str, arg: str
) -> None:
    require_buildx()
    config = load_config(REPO / "tests/fixtures/emit/family.yaml")
    base = replace(
        config.base, description=description, labels={"com.example.text": label}, args={"TEXT": arg}
    )
    config = replace(config, base=base, root=tmp_path)
    family = resolve(config)
    write_files(expected_files(family, tmp_path / "family.yaml"))
    for name in ("docker-bake.hcl", "docker-bake.json"):
        target = resolved(bake_print(tmp_path / name, ["base"]), "base")
        assert target["description"] == description, name
        assert target["labels"]["com.example.text"] == label, name
        assert target["args"]["TEXT"] == arg, name
