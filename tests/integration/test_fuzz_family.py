"""A fuzzer that hunts silent errors: random *valid-looking* families, with names drawn
from a small alphabet that also yields the names the emitter generates (``app``,
``common``, ``all``, ``apps``, ``<accelerator>-<app>``, ``<app>-all``, aliases), random
parent chains, platform subsets, accelerator opt-outs and per-app overrides, labels and
args. For each family, `python -m bake generate` (run in-process) must either

- fail cleanly: exit 2, one line naming the file, no traceback, nothing written; or
- write bake files that real `docker buildx bake --print` resolves, HCL and JSON alike,
  exactly as the model says for every target (and as `show --json` says).

Every family gets stub Dockerfiles and contexts for the files it names (a missing file is
an error of its own, which would otherwise reject every example), and the ``outcomes``
fixture (tests/fuzzing.py) fails the test unless at least 40 % of the examples generate
and so are compared with buildx. Two families in three are tame (valid values, colliding
names), one is wild (taken and invalid names, bad family-wide values, cycles).

Examples: the hypothesis profile's count / 4 (dev 15, CI 50, the same every run; `nox -s
tests-slow` runs the long profile's 500). Measured here (2 cores, shared): 50 examples
with 54 % generated in about 40 s; 500 examples about 55 %.
"""

from __future__ import annotations

import io
import json
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bake.front import cli
from bake.model.family import Family, load_family
from bake.model.naming import Variables, image_refs
from bake.model.specs import DEFAULT_PLATFORMS
from tests.buildx import bake_print, require_buildx
from tests.ci import examples
from tests.families import write_text
from tests.fuzzing import GENERATED, REJECTED, Outcomes
from tests.integration.test_oracle import model_target, resolved

# Short names that collide with each other and with generated ones: a-b + c and a + b-c
# both make the variant a-b-c; app/common/all/apps/default/base are taken by the emitter.
NAMES = ["a", "b", "c", "a-b", "b-c", "x", "x-a", "gpu", "gpu-a", "gpu-b", "a_b", "a-all"]
TAKEN = ["app", "common", "all", "apps", "base", "default", "b-all"]
INVALID_NAMES = ["A", "-a", "a--b", "a" * 64]
TEXT = st.lists(
    st.sampled_from(["x", " ", "${", "%{", "}", '"', "\\", "\n", "é", "$", "%", "a=b"]),
    min_size=1,
    max_size=4,
).map("".join)
LABEL_KEYS = ["com.example.a", "b", "org.opencontainers.image.title", "a/b"]
ARG_NAMES = ["A", "B_1", "DEBIAN_SUITE"]
REGISTRIES = ["r.example/a", "r.example/a,s.example/b"]
TAGS = ["latest", "edge", "1.0"]
ANY_PLATFORMS = st.lists(st.sampled_from(DEFAULT_PLATFORMS), unique=True, min_size=1, max_size=3)
PATHS = st.sampled_from(
    ["dockerfiles/accelerators/gpu/Dockerfile", "dockerfiles/other/Dockerfile", "x.Dockerfile"]
)


@dataclass(frozen=True)
class Pool:
    """Where a family's values come from. A tame family uses valid values only (it is
    still refused when its names collide, which is what the fuzzer is after); a wild one
    mixes in taken and invalid names, bad family-wide labels, args, tags and registries,
    parents that do not exist or make cycles, and platform lists with nothing in common."""

    name: st.SearchStrategy[str]
    alias: st.SearchStrategy[str]
    accelerator_name: st.SearchStrategy[str]
    label_key: st.SearchStrategy[str]
    arg_name: st.SearchStrategy[str]
    registry: st.SearchStrategy[str]
    tag: st.SearchStrategy[str]
    platforms: st.SearchStrategy[list[str]]
    later_parents: bool  # an app's parent may be itself, a later app or 'nope'


TAME = Pool(
    name=st.sampled_from(NAMES),
    alias=st.sampled_from(NAMES + ["y", "v1", "b-2"] * 4),
    accelerator_name=st.sampled_from(["gpu", "npu", "tpu"]),
    label_key=st.sampled_from(LABEL_KEYS),
    arg_name=st.sampled_from(ARG_NAMES),
    registry=st.sampled_from(REGISTRIES),
    tag=st.sampled_from(TAGS),
    platforms=st.lists(st.sampled_from(DEFAULT_PLATFORMS[1:]), unique=True).map(
        lambda rest: [DEFAULT_PLATFORMS[0], *rest]  # every chain shares the first platform
    ),
    later_parents=False,
)
WILD = Pool(
    name=st.sampled_from(NAMES * 10 + TAKEN * 2 + INVALID_NAMES),
    alias=st.sampled_from(NAMES * 10 + TAKEN * 2 + INVALID_NAMES),
    accelerator_name=st.sampled_from(NAMES * 10 + TAKEN * 2 + INVALID_NAMES),
    label_key=st.sampled_from(LABEL_KEYS * 3 + ["a=b", "", "x y"]),
    arg_name=st.sampled_from(ARG_NAMES * 3 + ["1X"]),
    registry=st.sampled_from(REGISTRIES * 3 + ["r/a, s/b"]),
    tag=st.sampled_from(TAGS * 6 + ["bad tag"]),
    platforms=ANY_PLATFORMS,
    later_parents=True,
)
# Image labels and args are valid in both pools: their own validation has its own tests.
LABELS = st.dictionaries(st.sampled_from(LABEL_KEYS), TEXT, max_size=2)
ARGS = st.dictionaries(st.sampled_from(ARG_NAMES), TEXT, max_size=2)


def _maybe(key: str, strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(st.just({}), strategy.map(lambda value: {key: value}))


def _image(
    pool: Pool, extra: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    parts = [
        st.fixed_dictionaries({"description": TEXT}),
        _maybe("platforms", pool.platforms),
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


@st.composite
def families(draw: st.DrawFn) -> dict[str, Any]:
    """A family, tame two times in three: parents and accelerator uses mostly name what
    exists, and most families get as far as buildx."""
    pool = draw(POOLS)
    accelerator = _image(pool, {"context": st.just("dockerfiles/gpu")})
    accelerators = draw(st.dictionaries(pool.accelerator_name, accelerator, max_size=3))
    app_names = draw(st.lists(pool.name, min_size=1, max_size=4, unique=True))
    apps: dict[str, Any] = {}
    for i, name in enumerate(app_names):
        parents = ["base", *app_names[:i]] * 4
        parents += [*app_names[i:], "nope"] if pool.later_parents else []  # cycles, rarely
        uses = st.sampled_from([*accelerators] * 6 + ["nope"] * pool.later_parents)
        extra = {
            "parent": st.sampled_from(parents),
            "aliases": st.lists(pool.alias, max_size=1),
            "accelerators": st.dictionaries(uses, USE, max_size=2) if accelerators else st.just({}),
            "context": st.just("dockerfiles/shared"),
        }
        apps[name] = draw(_image(pool, extra))
    family: dict[str, Any] = {
        "base": draw(_image(pool, {"aliases": st.lists(pool.alias, max_size=1)})),
        "apps": apps,
        "accelerators": accelerators,
    }
    optional = {
        "registry": pool.registry,
        "tags": st.lists(pool.tag, min_size=1, max_size=2),
        "platforms": pool.platforms,
        "labels": st.dictionaries(pool.label_key, TEXT, max_size=2),
        "args": st.dictionaries(pool.arg_name, TEXT, max_size=2),
        "vendor": TEXT,
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            family[key] = draw(strategy)
    return family


POOLS = st.sampled_from([TAME, TAME, WILD])
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


# The accelerator "app" would make the abstract target "_app" every app shares: refused.
APP_CLASH = {
    **CONTEXT_OVERRIDE,
    "apps": {"a": {"description": "x", "accelerators": {"app": True}}},
    "accelerators": {"app": {"description": "x"}},
}
GENERATES = "generates"


@settings(max_examples=examples(4))
@given(data=FAMILY, expect=st.none())
@example(data=ACCELERATOR_TITLE, expect=GENERATES)
@example(data={**ACCELERATOR_TITLE, "args": {"A": '"${}'}}, expect=GENERATES)  # a quote lost
@example(data=CONTEXT_OVERRIDE, expect=GENERATES)
@example(data=APP_CLASH, expect="duplicate name '_app'")
def test_random_families_fail_cleanly_or_resolve_exactly(
    tmp_path: Path, outcomes: Outcomes, data: dict[str, Any], expect: str | None
) -> None:
    """Each family gets the Dockerfiles and contexts it names (stubs), so it is refused
    for what its YAML says, not for a missing file; at least 40 % reach buildx (the
    outcomes fixture fails the test otherwise). The regressions found earlier must
    generate (``expect``), or be refused for their own reason."""
    require_buildx()
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    path = folder / "family.yaml"
    write_text(path, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    before = _files(folder)
    code, _, err = _run("--config", str(path), "generate")
    outcomes.record(GENERATED if code == 0 else REJECTED)
    if expect == GENERATES:
        assert code == 0, f"a regression example no longer generates: {err}"
    elif expect is not None:
        assert code == 2 and expect in err, f"refused, but not for {expect!r}: {err}"
    if code != 0:
        assert code == 2, err
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) == 1, err
        assert err.startswith(f"{path}:") or err.startswith(f"{path}: "), err
        assert _files(folder) == before, "nothing written"
        return
    family = load_family(path)
    _check_bake_files(family, folder)
    _check_show(family, path)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


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
