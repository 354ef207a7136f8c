"""The direct HCL writer (bake.emit.hcl) against python-hcl2, the reference renderer: for
the reference family, every fixture, the benchmark families and random documents, both
must produce the same bytes. (Whether buildx reads those bytes back right is the oracle
tests' and the escaping property test's job.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st
from lark.exceptions import LarkError

from bake.emit import hcl, literals
from bake.emit.document import hcl_data, hcl_string, render_hcl
from bake.emit.package_targets import Text
from bake.model.family import load_family
from benchmarks.families import write_generate_family
from tests.hcl2_oracle import hcl2_dumps

REPO = Path(__file__).resolve().parents[3]
FAMILY_FILES = [
    REPO / "family.yaml",
    *sorted(REPO.glob("tests/fixtures/*/family.yaml")),
    REPO / "benchmarks/fixture/family.yaml",
]

# python-hcl2 fails to parse some of its own input back (a literal "%%%{{", i.e. the text
# "%%{{"); random documents it cannot render at all are skipped. (It also drops a quote
# written as \" directly before $${; hcl_string writes such a quote as \u0022.)
TEXT = st.lists(
    st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from(["${", "%{", "$${", "%%{", "{", "}", "\\", '"', "\n", "\t", "$", "%"]),
    ),
    max_size=12,
).map("".join)
LITERAL = TEXT.map(hcl_string)
# Multi-line texts (inline Dockerfiles) become heredocs. python-hcl2's output needed its
# runs of blank lines collapsed, which would change a heredoc with two blank lines in a
# row; hclwrite keeps the text as it is, so such texts are not compared.
HEREDOC = (
    st.lists(TEXT.map(lambda t: t.replace("\n", " ")), min_size=1, max_size=4)
    .map(lambda lines: "\n".join(lines) + "\n")
    .filter(lambda text: "\n\n\n" not in "\n" + text and literals.fits_heredoc(text))
    .map(lambda text: literals.hcl_value(Text(text)))
)
EXPRESSION = st.sampled_from(
    ["SHA", "string", "name", 'image_tags("x")', 'CACHE_REGISTRY == "" ? [] : ["a:${name}"]']
)
SCALAR = st.one_of(LITERAL, EXPRESSION, HEREDOC)
IDENTIFIER = st.from_regex(r"\A[a-z][a-z0-9_-]{0,14}\Z")
VALUE = st.one_of(
    SCALAR,
    st.lists(SCALAR, max_size=4),
    st.dictionaries(LITERAL, SCALAR, max_size=4),
)
BODY = st.dictionaries(IDENTIFIER, VALUE, max_size=6)
BLOCKS = st.lists(st.dictionaries(LITERAL, BODY, min_size=1, max_size=1), min_size=1, max_size=3)
DOCUMENT = st.dictionaries(st.sampled_from(["variable", "function", "target", "group"]), BLOCKS)


def _with_markers(document: dict[str, list[dict[str, dict[str, Any]]]]) -> dict[str, Any]:
    return {
        kind: [
            {label: {**body, hcl.BLOCK_MARKER: True} for label, body in block.items()}
            for block in blocks
        ]
        for kind, blocks in document.items()
    }


@pytest.mark.parametrize("path", FAMILY_FILES, ids=lambda p: p.parent.name or "reference")
def test_families_render_like_python_hcl2(path: Path) -> None:
    data = hcl_data(load_family(path))
    assert hcl.dumps(data) == hcl2_dumps(data)


@pytest.mark.parametrize("apps", [1, 7, 40])
def test_generated_families_render_like_python_hcl2(tmp_path: Path, apps: int) -> None:
    family = load_family(write_generate_family(tmp_path, apps))
    data = hcl_data(family)
    assert hcl.dumps(data) == hcl2_dumps(data)


def test_render_hcl_is_header_plus_writer_output() -> None:
    family = load_family(REPO / "tests/fixtures/emit/family.yaml")
    text = render_hcl(family, "family.yaml")
    assert text.endswith("\n" + hcl2_dumps(hcl_data(family)) + "\n")
    assert text.startswith("# docker-bake.hcl: GENERATED from family.yaml")


@settings(max_examples=100, deadline=None)
@given(document=DOCUMENT)
def test_random_documents_render_like_python_hcl2(
    document: dict[str, list[dict[str, dict[str, Any]]]],
) -> None:
    data = _with_markers(document)
    try:
        expected = hcl2_dumps(data)
    except LarkError:
        reject()
    assert hcl.dumps(data) == expected


def test_literals_are_written_as_rendered_even_where_python_hcl2_mangles_them() -> None:
    """python-hcl2 turns \\"$${x} into \\$${x} (why hcl_string writes that quote as \\u0022);
    hclwrite copies every rendered literal as it is."""
    data = _with_markers({"target": [{'"t"': {"description": '"a\\"$${x}"'}}]})
    assert hcl.dumps(data) == 'target "t" {\n  description = "a\\"$${x}"\n}'
    assert hcl2_dumps(data) != hcl.dumps(data)


def test_heredocs_keep_their_blank_lines() -> None:
    heredoc = literals.hcl_value(Text("FROM base\n\n\nRUN true\n"))
    data = _with_markers({"target": [{'"t"': {"dockerfile-inline": heredoc}}]})
    assert hcl.dumps(data).endswith("FROM base\n\n\nRUN true\nEOT\n\n}")


def test_unknown_values_are_refused() -> None:
    with pytest.raises(TypeError):
        hcl.dumps({"target": [{'"t"': {"n": 1, hcl.BLOCK_MARKER: True}}]})
