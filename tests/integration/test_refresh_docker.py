"""The weekly refresh for real (docker, QEMU, the local registry) on tests/fixtures/refresh:
publish base and app, change only app's package (a stub .deb whose version is a build arg),
refresh, and read the registry back: app is re-tagged with the new package, base is not
(though the refresh did rebuild it: its install step ran again instead of coming from the
build cache).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bake.build import refresh
from bake.front import sessions
from bake.model.naming import VARIABLES
from tests.localregistry import REGISTRY, fresh_namespace, remove_local_images

pytestmark = pytest.mark.docker

FIXTURE = Path(__file__).parents[1] / "fixtures" / "refresh"
INDEX = "application/vnd.oci.image.index.v1+json"


@pytest.fixture
def namespace(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh namespace; the local images tagged under it are removed afterwards."""
    for variable in VARIABLES:
        monkeypatch.delenv(variable.name, raising=False)
    monkeypatch.setenv("BAKE_SBOM_GENERATOR", "off")
    name = fresh_namespace("t-affected")
    yield name
    remove_local_images(name)


def registry_digest(repository: str) -> str:
    request = urllib.request.Request(
        f"http://{REGISTRY}/v2/{repository}/manifests/latest", headers={"Accept": INDEX}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.loads(response.read())["mediaType"] == INDEX
        return str(response.headers["Docker-Content-Digest"])


def in_local(ref: str, platform: str, command: str) -> str:
    return subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--pull",
            "never",
            "--platform",
            platform,
            ref,
            "sh",
            "-c",
            command,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_refresh_retags_only_images_whose_packages_changed(
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shutil.copytree(FIXTURE, tmp_path / "family")
    config = tmp_path / "family" / "family.yaml"
    at = [f"REGISTRY={REGISTRY}/{namespace}"]
    base, app = (f"{REGISTRY}/{namespace}/{name}:latest" for name in ("base", "app"))
    sessions.by_name(sessions.catalogue(config), "push-all").action(at)
    published = {name: registry_digest(f"{namespace}/{name}") for name in ("base", "app")}
    built = in_local(base, "linux/arm64", "cat /etc/bake-stub-base-built")

    text = config.read_text()
    config.write_text(
        text.replace('args: {STUB_VERSION: "1"}\n    tests', 'args: {STUB_VERSION: "2"}\n    tests')
    )
    assert config.read_text().count('"2"') == 1  # app's stub version, not base's
    monkeypatch.setenv("BAKE_REFRESH_STAMP", uuid.uuid4().hex)
    capsys.readouterr()
    sessions.by_name(sessions.catalogue(config), "refresh-all").action(at)
    out = capsys.readouterr().out

    # base: rebuilt (its install step ran again, not cached) but not re-tagged.
    assert in_local(base, "linux/arm64", "cat /etc/bake-stub-base-built") != built
    assert registry_digest(f"{namespace}/base") == published["base"]
    # app: re-tagged, and the registry now holds the rebuilt, tested index.
    assert registry_digest(f"{namespace}/app") != published["app"]
    for platform in ("linux/amd64", "linux/arm64"):
        assert "bake-stub-app:all 1 → 2" in next(
            line for line in out.splitlines() if f"app   {platform}" in line
        )
        assert f"keep    base  {platform:<13} unchanged" in out
        assert refresh.installed_packages(app, platform)["bake-stub-app:all"] == "2"
    assert f"ok    {app}" in out and f"ok    {base}" not in out
