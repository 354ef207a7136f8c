"""The package changelog for real, on tests/fixtures/refresh with SBOM attestations on:
publish, change app's stub package version, refresh; the changelog (CHANGES-app.md and
the release record next to the new index) names the upgraded package with both versions,
and ``inspect`` shows it; base did not change, so it got no new release.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bake.front import cli, sessions
from bake.model.naming import VARIABLES
from bake.publish import registry
from tests.localregistry import REGISTRY, fresh_namespace, remove_local_images

pytestmark = pytest.mark.docker

FIXTURE = Path(__file__).parents[1] / "fixtures" / "refresh"
UPGRADE = "bake-stub-app:all 1 → 2"


@pytest.fixture
def namespace(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    for variable in VARIABLES:
        monkeypatch.delenv(variable.name, raising=False)
    monkeypatch.setenv("BAKE_SBOM_GENERATOR", "auto")
    monkeypatch.setenv("BAKE_CHANGES_DIR", str(tmp_path / "changes"))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    registry.client_for.cache_clear()
    name = fresh_namespace("prune-changes")
    yield name
    remove_local_images(name)


def test_refresh_changelog_names_the_upgraded_package_and_inspect_shows_it(
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shutil.copytree(FIXTURE, tmp_path / "family")
    config = tmp_path / "family" / "family.yaml"
    at = [f"REGISTRY={REGISTRY}/{namespace}"]
    sessions.by_name(sessions.catalogue(config), "push-all").action(at)
    first = (tmp_path / "changes" / "CHANGES-app.md").read_text()
    assert "First release" in first

    text = config.read_text()
    config.write_text(
        text.replace('args: {STUB_VERSION: "1"}\n    tests', 'args: {STUB_VERSION: "2"}\n    tests')
    )
    monkeypatch.setenv("BAKE_REFRESH_STAMP", uuid.uuid4().hex)
    (tmp_path / "changes" / "CHANGES-app.md").unlink()
    (tmp_path / "changes" / "CHANGES-base.md").unlink()
    sessions.by_name(sessions.catalogue(config), "refresh-all").action(at)

    changes = (tmp_path / "changes" / "CHANGES-app.md").read_text()
    assert not (tmp_path / "changes" / "CHANGES-base.md").exists()  # base: nothing pushed
    for platform in ("linux/amd64", "linux/arm64"):
        section = changes.split(f"**{platform}**")[1].split("**")[0]
        assert f"`~ {UPGRADE}`" in section, changes
        assert "bake-stub-base" not in section
    assert UPGRADE in (tmp_path / "summary.md").read_text()

    capsys.readouterr()
    ref = f"{REGISTRY}/{namespace}/app:latest"
    assert cli.main(["--config", str(config), "inspect", ref]) == 0
    shown = capsys.readouterr().out
    assert f"linux/arm64: ~ {UPGRADE}" in shown and "provenance, sbom" in shown
    assert "base       debian:bookworm-slim@sha256:" in shown  # from the provenance
    assert cli.main(["--config", str(config), "inspect", "--json", ref]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["release"]["changes"]["linux/amd64"]["upgraded"] == [UPGRADE]
    assert info["release"]["previous"].startswith("sha256:")
    assert set(info["platforms"]) == {"linux/amd64", "linux/arm64"}
