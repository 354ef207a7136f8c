"""Apps built from a few lines of YAML, for real: the shared Dockerfile (bake/data) builds
them for amd64, arm64 and arm/v7, their smoke tests run under QEMU, and one added to a
family with YAML only is pushed to the local registry (tests/fixtures/yaml)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bake.build import pipeline
from bake.model.naming import VARIABLES
from bake.smoke import suite
from tests.localregistry import REGISTRY, fresh_namespace, remove_local_images

pytestmark = pytest.mark.docker

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "yaml"
PLATFORMS = ("linux/amd64", "linux/arm64", "linux/arm/v7")
# The whole of what adding an app takes (README "Add an app"); figlet stands in for a
# desktop app such as mousepad, whose GTK stack would take minutes per platform under QEMU.
NEW_APP = """\
  figlet:
    description: FIGlet banners, added with YAML only
    packages: [figlet]
    program: {command: /usr/bin/figlet neko}
    tests:
      - {name: banner, run: figlet -v, expect: FIGlet Copyright}
"""


@pytest.fixture
def family(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the fixture family; REGISTRY points at a namespace of this test only,
    whose local images are removed afterwards."""
    monkeypatch.delenv("BAKE_SBOM_GENERATOR", raising=False)
    for variable in VARIABLES:
        monkeypatch.delenv(variable.name, raising=False)
    namespace = fresh_namespace("t-yamlapps")
    monkeypatch.setenv("REGISTRY", f"{REGISTRY}/{namespace}")
    folder = tmp_path / "family"
    shutil.copytree(FIXTURE, folder, ignore=shutil.ignore_patterns("docker-bake.*"))
    yield folder / "family.yaml"
    remove_local_images(namespace)


def _plan(family: Path, selection: str) -> pipeline.Plan:
    options = pipeline.Options.from_env(os.environ)
    return pipeline.make_plan(family, selection, options=options, env=os.environ)


def test_yaml_app_passes_its_smoke_tests_on_three_platforms(family: Path) -> None:
    outcomes = pipeline.test(_plan(family, "greeter"))
    failed = [o for o in outcomes if not o.passed]
    assert not failed, failed
    ran = {(o.check.image, o.check.platform, o.check.name) for o in outcomes}
    for platform in PLATFORMS:
        for check in ("hello", "amd64-only-package", "files-through-a-symlink", "env", "program"):
            assert ("greeter", platform, check) in ran
        assert ("greeter", platform, suite.ARCH_CHECK) in ran


def test_an_app_added_with_only_yaml_is_built_tested_and_pushed(family: Path) -> None:
    family.write_text(family.read_text() + NEW_APP)
    assert not (family.parent / "dockerfiles" / "apps").exists()  # no Dockerfile anywhere
    plan = _plan(family, "figlet")
    verdicts = pipeline.push(plan)
    assert verdicts and all(v.ok for v in verdicts), verdicts
    ref = plan.refs(plan.family.image("figlet"))[0]
    repository, tag = ref.removeprefix(f"{REGISTRY}/").rsplit(":", 1)
    request = urllib.request.Request(
        f"http://{REGISTRY}/v2/{repository}/manifests/{tag}",
        headers={"Accept": "application/vnd.oci.image.index.v1+json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        index = json.load(response)
    pushed = {
        "/".join(filter(None, (p["os"], p["architecture"], p.get("variant"))))
        for p in (m["platform"] for m in index["manifests"])
        if p["os"] != "unknown"
    }
    assert pushed == set(PLATFORMS)
    proc = subprocess.run(
        ["docker", "run", "--rm", "--pull", "never", "--platform", "linux/arm/v7", ref]
        + ["cat", "/etc/supervisor/conf.d/figlet.conf"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "[program:figlet]\ncommand=/usr/bin/figlet neko\nuser=neko\n" in proc.stdout
