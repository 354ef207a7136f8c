"""Property: any text in descriptions, labels and args survives HCL (and JSON) → buildx
exactly — quotes, backslashes, newlines, control characters, ``${`` and ``%{`` — and so
does every label key the config accepts; keys it does not accept are one clean error.

Examples: the hypothesis profile's count (dev 60, CI 200, ``--hypothesis-profile long``
2000; see tests/conftest.py). Each example runs buildx twice (HCL and JSON): 300 took
325 s on this (busy, shared) machine, hence 200 in CI.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bake.emit.generated import expected_files, write_files
from bake.front import cli
from bake.model.config import load_config
from bake.model.family import resolve
from bake.model.schema import LABEL_KEY_RE
from tests.buildx import bake_print, require_buildx
from tests.ci import examples
from tests.families import write_text
from tests.integration.test_oracle import resolved

REPO = Path(__file__).resolve().parents[2]
# Any character but surrogates (not encodable as UTF-8), NUL (no Docker label or arg can
# carry one) and CR (buildx reads "\r$$${" from bake JSON unlike from HCL) — the config
# refuses all three (bake/model/yamlload.py); templates are made likely.
TEXT = st.lists(
    st.one_of(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"),
        st.sampled_from(["${", "%{", "$${", "%%{", "}", "\\", '"', "\n", "$", "%", '"${}']),
    ),
    max_size=20,
).map("".join)
# bake treats "" as "no description" (the config refuses it), so at least one character.
DESCRIPTION = TEXT.filter(bool)
LABEL_KEY = st.from_regex(LABEL_KEY_RE, fullmatch=True).filter(
    lambda key: not key.startswith("org.opencontainers.image.")  # the family's own labels
)
# Keys of every kind, valid or not, for the config's verdict.
ANY_KEY = st.one_of(
    LABEL_KEY,
    TEXT,
    st.lists(
        st.sampled_from(["a", ".", "/", "-", "_", "=", " ", "${", "%{", "\n", "é"]), max_size=6
    ).map("".join),
)


@settings(max_examples=examples())
@given(description=DESCRIPTION, label=TEXT, arg=TEXT, key=LABEL_KEY)
# found by tests/test_fuzz_family.py: python-hcl2 dropped a quote right before ${…}
@example(description='"${}', label='a"${x}b"${y}', arg='"${"}', key="a")
# found by this test: python-hcl2 could not write an escaped %%{ (a traceback)
@example(description="0", label="%%{{", arg="${%%{{", key="0")
@example(description='say "${X}"', label='"${', arg='\\"${Y}"', key="b")  # \"$${ mangled
# python-hcl2 could not render "%%{{" at all; bake.emit.hcl, which renders now, can.
@example(description="%%{{", label="a%%{{b", arg='"%%{x}"', key="c")
def test_arbitrary_text_survives_buildx(
    tmp_path: Path, description: str, label: str, arg: str, key: str
) -> None:
    require_buildx()
    config = load_config(REPO / "tests/fixtures/emit/family.yaml")
    base = replace(
        config.base,
        description=description,
        labels={"com.example.text": label, key: arg},
        args={"TEXT": arg},
    )
    config = replace(config, base=base, root=tmp_path)
    family = resolve(config)
    write_files(expected_files(family, tmp_path / "family.yaml"))
    for name in ("docker-bake.hcl", "docker-bake.json"):
        target = resolved(bake_print(tmp_path / name, ["base"]), "base")
        assert target["description"] == description, name
        assert target["labels"]["com.example.text"] == label, name
        assert target["labels"][key] == arg, name
        assert target["args"]["TEXT"] == arg, name


FAMILY = {
    "registry": "ghcr.io/example/neko",
    "base": {"description": "the base"},
    "apps": {"firefox": {"description": "Firefox"}},
}


@settings(max_examples=examples())
@given(key=ANY_KEY)
@example(key=" \x85")  # U+0085 ends a line for splitlines: the key path must escape it
def test_a_label_key_is_accepted_exactly_when_it_is_safe(tmp_path: Path, key: str) -> None:
    """The verdict on any key: accepted iff it matches LABEL_KEY_RE, else one clean error
    naming the key (no traceback, nothing written). Cheap: no buildx."""
    import io
    from contextlib import redirect_stderr

    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    path = folder / "family.yaml"
    write_text(path, yaml.safe_dump({**FAMILY, "labels": {key: "v"}}, allow_unicode=True))
    err = io.StringIO()
    with redirect_stderr(err):
        code = cli.main(["--config", str(path), "list"])
    if LABEL_KEY_RE.fullmatch(key):
        assert code == 0, err.getvalue()
    else:
        assert code == 2, err.getvalue()
        assert "is not a label key" in err.getvalue()
        assert len(err.getvalue().strip().splitlines()) == 1
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == ["family.yaml"]
