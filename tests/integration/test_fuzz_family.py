"""A fuzzer that hunts silent errors: random *valid-looking* families, with names drawn
from a small alphabet that also yields the names the emitter generates (``app``,
``common``, ``all``, ``apps``, ``<accelerator>-<app>``, ``<app>-all``, aliases), random
parent chains, platform subsets, accelerator opt-outs and per-app overrides, labels and
args. For each family, `python -m bake generate` (run in-process) must either

- fail cleanly: exit 2, one line naming the file, no traceback, nothing written; or
- write bake files that real `docker buildx bake --print` resolves, HCL and JSON alike,
  exactly as the model says for every target (and as `show --json` says).

Examples: the hypothesis profile's count / 4 (dev 15, CI 50; `pytest
tests/test_fuzz_family.py --hypothesis-profile long` runs 500). About a third of the
families are valid and run buildx twice; the rest stop at validation. Measured here on a
busy machine: 59 s for 100 examples, 8.6 min for 1000 (a quarter reached buildx).
"""

from __future__ import annotations

import io
import json
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import yaml
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from bake import cli
from bake.config import DEFAULT_PLATFORMS
from bake.family import Family, load_family
from bake.naming import Variables, image_refs
from tests.buildx import bake_print, require_buildx
from tests.ci import examples
from tests.integration.test_oracle import model_target, resolved

# Short names that collide with each other and with generated ones: a-b + c and a + b-c
# both make the variant a-b-c; app/common/all/apps/default/base are taken by the emitter.
# Mostly valid values, so that most families get as far as buildx; some bad ones too.
NAMES = ["a", "b", "c", "a-b", "b-c", "x", "x-a", "gpu", "gpu-a", "gpu-b", "a_b", "a-all"]
TAKEN = ["app", "common", "all", "apps", "base", "default", "b-all"]
INVALID_NAMES = ["A", "-a", "a--b", "a" * 64]
NAME = st.sampled_from(NAMES * 10 + TAKEN * 2 + INVALID_NAMES)
TEXT = st.lists(
    st.sampled_from(["x", " ", "${", "%{", "}", '"', "\\", "\n", "é", "$", "%", "a=b"]),
    min_size=1,
    max_size=4,
).map("".join)
# Keys and arg names are valid on images; the family-wide ones are sometimes not (their
# validation has its own tests, the fuzzer is after the structure).
LABEL_KEYS = ["com.example.a", "b", "org.opencontainers.image.title", "a/b"]
LABELS = st.dictionaries(st.sampled_from(LABEL_KEYS), TEXT, max_size=2)
ANY_LABELS = st.dictionaries(st.sampled_from(LABEL_KEYS * 3 + ["a=b", "", "x y"]), TEXT, max_size=2)
ARG_NAMES = ["A", "B_1", "DEBIAN_SUITE"]
ARGS = st.dictionaries(st.sampled_from(ARG_NAMES), TEXT, max_size=2)
ANY_ARGS = st.dictionaries(st.sampled_from(ARG_NAMES * 3 + ["1X"]), TEXT, max_size=2)
PLATFORMS = st.lists(st.sampled_from(DEFAULT_PLATFORMS), unique=True, min_size=1, max_size=3)
PATHS = st.sampled_from(
    ["dockerfiles/accelerators/gpu/Dockerfile", "dockerfiles/other/Dockerfile", "x.Dockerfile"]
)


def _maybe(key: str, strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(st.just({}), strategy.map(lambda value: {key: value}))


def _image(extra: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    parts = [
        st.fixed_dictionaries({"description": TEXT}),
        _maybe("platforms", PLATFORMS),
        _maybe("labels", LABELS),
        _maybe("args", ARGS),
        *(_maybe(key, strategy) for key, strategy in extra.items()),
    ]
    return st.tuples(*parts).map(lambda dicts: {k: v for d in dicts for k, v in d.items()})


USE = st.one_of(
    st.booleans(),
    st.fixed_dictionaries(
        {"dockerfile": PATHS},
        optional={"context": st.sampled_from(["ctx", "dockerfiles/apps/a"])},
    ),
)
ACCELERATOR = _image({"context": st.just("dockerfiles/gpu")})


@st.composite
def families(draw: st.DrawFn) -> dict[str, Any]:
    """A family whose parents and accelerator uses mostly name what exists."""
    accelerators = draw(st.dictionaries(NAME, ACCELERATOR, max_size=3))
    app_names = draw(st.lists(NAME, min_size=1, max_size=4, unique=True))
    apps: dict[str, Any] = {}
    for i, name in enumerate(app_names):
        parents = ["base", *app_names[:i]] * 4 + app_names[i:] + ["nope"]  # cycles, rarely
        spec = draw(
            _image(
                {
                    "parent": st.sampled_from(parents),
                    "aliases": st.lists(NAME, max_size=2),
                    "accelerators": st.dictionaries(
                        st.sampled_from([*accelerators] * 6 + ["nope"]), USE, max_size=2
                    )
                    if accelerators
                    else st.just({}),
                    "context": st.just("dockerfiles/shared"),
                }
            )
        )
        apps[name] = spec
    family: dict[str, Any] = {
        "base": draw(_image({"aliases": st.lists(NAME, max_size=1)})),
        "apps": apps,
        "accelerators": accelerators,
    }
    optional = {
        "registry": st.sampled_from(["r.example/a", "r.example/a,s.example/b"] * 3 + ["r/a, s/b"]),
        "tags": st.lists(
            st.sampled_from(["latest", "edge", "1.0"] * 6 + ["bad tag"]), min_size=1, max_size=2
        ),
        "platforms": PLATFORMS,
        "labels": ANY_LABELS,
        "args": ANY_ARGS,
        "vendor": TEXT,
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            family[key] = draw(strategy)
    return family


FAMILY = families()


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


# Found by this fuzzer: an accelerator's own title label lost to the variant's default.
ACCELERATOR_TITLE = {
    "base": {"description": "x"},
    "apps": {"a": {"description": "x"}},
    "accelerators": {"b": {"description": "x", "labels": {"org.opencontainers.image.title": "x"}}},
}
CONTEXT_OVERRIDE = {  # the shared Dockerfile in the app's own context (issue 11)
    "base": {"description": "x"},
    "apps": {
        "a": {
            "description": "x",
            "accelerators": {
                "gpu": {"dockerfile": "dockerfiles/accelerators/gpu/Dockerfile", "context": "ctx"}
            },
        }
    },
    "accelerators": {"gpu": {"description": "x"}},
}


@settings(max_examples=examples(4))
@given(data=FAMILY)
@example(data=ACCELERATOR_TITLE)
@example(data={**ACCELERATOR_TITLE, "args": {"A": '"${}'}})  # a quote lost before ${…}
@example(data=CONTEXT_OVERRIDE)
@example(data={**CONTEXT_OVERRIDE, "accelerators": {"app": {"description": "x"}}})
def test_random_families_fail_cleanly_or_resolve_exactly(
    tmp_path: Path, data: dict[str, Any]
) -> None:
    require_buildx()
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    path = folder / "family.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    code, _, err = _run("--config", str(path), "generate")
    event("generated" if code == 0 else "rejected")
    if code != 0:
        assert code == 2, err
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) == 1, err
        assert err.startswith(f"{path}:") or err.startswith(f"{path}: "), err
        assert sorted(p.name for p in folder.iterdir()) == ["family.yaml"], "nothing written"
        return
    family = load_family(path)
    _check_bake_files(family, folder)
    _check_show(family, path)


def _check_bake_files(family: Family, folder: Path) -> None:
    variables = Variables.from_env(family.config, {})
    from_hcl = bake_print(folder / "docker-bake.hcl", ["all"])
    from_json = bake_print(folder / "docker-bake.json", ["all"])
    assert from_hcl == from_json
    assert sorted(from_hcl["target"]) == sorted(i.name for i in family.images)
    for image in family.images:
        assert resolved(from_hcl, image.name) == model_target(family, image, variables), image.name


def _check_show(family: Family, path: Path) -> None:
    code, out, err = _run("--config", str(path), "show", "all", "--json")
    assert code == 0, err
    variables = Variables.from_env(family.config, {})
    shown = {item["name"]: item for item in json.loads(out)}
    for image in family.images:
        item = shown[image.name]
        assert (item["dockerfile"], item["context"]) == (image.dockerfile, image.context)
        assert item["platforms"] == list(image.platforms)
        assert item["tags"] == list(image_refs(image, variables))
