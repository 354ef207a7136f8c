"""Each HCL expression of bake.emit.functions against its Python twin in bake.model.naming
(``functions.TWINS``): buildx renders the HCL (``docker buildx bake --print``, no build),
and for each set of variable values it must equal what the Python function computes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bake.emit import functions
from bake.model import naming
from bake.model.family import load_family
from tests import oracle
from tests.buildx import bake_print, require_buildx

REPO = Path(__file__).resolve().parents[2]
ENVIRONMENTS = [
    {"REGISTRY": "ghcr.io/o", "TAG": "latest"},
    {"REGISTRY": "127.0.0.1:5000/ci", "TAG": "", "VERSION": "v2.10.3", "SHA": "0123456789abcdef"},
    {"REGISTRY": "a.example/x,b.example/y", "TAG": "latest,nightly", "VERSION": "3.0.0-rc.1"},
    {"REGISTRY": "r.example", "TAG": "1.2,edge", "VERSION": "1.2.0", "SHA": "abc"},
    {"REGISTRY": "r.example", "TAG": "x", "CACHE_REGISTRY": "127.0.0.1:5000/cache"},
    {"REGISTRY": "", "TAG": "", "VERSION": "v1"},
]
# A bake file of the four functions and the version label alone, on one target.
BAKE_FILE = """\
{variables}
function "version_tags" {{
  params = [version]
  result = {version_tags}
}}
function "image_tags" {{
  params = [name]
  result = {image_tags}
}}
function "cache_from" {{
  params = [name]
  result = {cache_from}
}}
function "cache_to" {{
  params = [name]
  result = {cache_to}
}}
target "twin" {{
  tags = image_tags("{name}")
  cache-from = cache_from("{name}")
  cache-to = cache_to("{name}")
  args = {{ VERSION_TAGS = join(",", version_tags(trimprefix(VERSION, "v"))) }}
  labels = {{ "org.opencontainers.image.version" = {version_label} }}
}}
"""


@pytest.mark.parametrize("env", ENVIRONMENTS, ids=lambda env: ",".join(env.values()) or "none")
def test_each_hcl_expression_renders_as_its_python_twin(
    tmp_path: Path, env: dict[str, str]
) -> None:
    require_buildx()
    assert {python for _, python in functions.TWINS.values()} <= {*dir(naming), *dir(oracle)}
    family = load_family(REPO / "family.yaml")
    image = family.images[0]
    variables = "".join(f'variable "{v.name}" {{\n  default = ""\n}}\n' for v in naming.VARIABLES)
    text = BAKE_FILE.format(
        variables=variables,
        name=image.name,
        version_tags=functions.VERSION_TAGS,
        image_tags=functions.IMAGE_TAGS,
        cache_from=functions.CACHE_FROM,
        cache_to=functions.CACHE_TO,
        version_label=functions.VERSION_LABEL,
    )
    (tmp_path / "docker-bake.hcl").write_text(text)
    printed = bake_print(tmp_path / "docker-bake.hcl", ["twin"], env)["target"]["twin"]

    values = naming.Variables(**{v.name: env.get(v.name, "") for v in naming.VARIABLES})
    image_alone = dataclasses.replace(image, aliases=())
    cache_from, cache_to = oracle.cache_refs(image, values)
    assert printed["args"]["VERSION_TAGS"] == ",".join(naming.semver_tags(values.VERSION))
    assert printed.get("tags", []) == list(naming.image_refs(image_alone, values))
    assert printed.get("cache-from", []) == [_cache(ref) for ref in cache_from]
    assert printed.get("cache-to", []) == [_cache(ref) for ref in cache_to]
    version = oracle.common_labels(family.config, values)["org.opencontainers.image.version"]
    assert printed["labels"]["org.opencontainers.image.version"] == version


def _cache(ref: str) -> dict[str, str]:
    """``type=registry,ref=…[,mode=max]`` as buildx --print shows a cache entry."""
    return dict(part.split("=", 1) for part in ref.split(","))
