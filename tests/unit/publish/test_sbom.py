"""bake.publish.sbom (which attestations a build carries) and the dpkg → SPDX generator script."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from bake.publish import sbom
from tests.ci import require_tool

SCRIPT = sbom.SCANNER_DIR / "dpkg-spdx.pl"
STATUS = """\
Package: libstdc++6
Status: install ok installed
Architecture: arm64
Maintainer: Debian GCC Maintainers <debian-gcc@lists.debian.org>
Version: 12.2.0-14
Description: GNU Standard C++ Library v3
 This package contains an additional runtime library.

Package: removed-thing
Status: deinstall ok config-files
Architecture: arm64
Version: 1.0

Package: base-files
Status: install ok installed
Architecture: arm64
Maintainer: Santiago Vila <sanvila@debian.org>
Version: 12.4+deb12u5
"""


def test_provenance_always_sbom_when_a_generator_is_set() -> None:
    assert sbom.Attestations(None).set_args() == ["--set", "*.attest=type=provenance,mode=max"]
    with_sbom = sbom.Attestations("127.0.0.1:5000/tools/scan:1")
    assert with_sbom.set_args()[2:] == [
        "--set",
        "*.attest=type=sbom,generator=127.0.0.1:5000/tools/scan:1",
    ]
    assert with_sbom.predicate_prefixes == (sbom.PROVENANCE, sbom.SPDX)
    assert sbom.Attestations(None).predicate_prefixes == (sbom.PROVENANCE,)


def test_setting_off_or_an_explicit_generator_needs_no_registry() -> None:
    assert sbom.attestations("off", "127.0.0.1:1").sbom_generator is None
    assert sbom.attestations("docker/buildkit-syft-scanner", "127.0.0.1:1").sbom_generator == (
        "docker/buildkit-syft-scanner"
    )


def test_auto_without_a_local_registry_falls_back_to_provenance_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    chosen = sbom.attestations(sbom.AUTO, "ghcr.io/example", hub_reachable=lambda: False)
    assert chosen.sbom_generator is None
    assert "SBOM attestations are off" in capsys.readouterr().err


def test_scanner_ref_changes_with_its_sources(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM x\n")
    first = sbom.scanner_ref("127.0.0.1:5000", tmp_path)
    assert first == sbom.scanner_ref("127.0.0.1:5000", tmp_path)
    assert first.startswith("127.0.0.1:5000/bake-tools/sbom-scanner:")
    (tmp_path / "Dockerfile").write_text("FROM y\n")
    assert sbom.scanner_ref("127.0.0.1:5000", tmp_path) != first


def test_generator_script_writes_an_spdx_in_toto_statement(tmp_path: Path) -> None:
    require_tool("perl")
    source = tmp_path / "src" / "sbom"
    (source / "var/lib/dpkg").mkdir(parents=True)
    (source / "var/lib/dpkg/status").write_text(STATUS)
    (source / "etc").mkdir()
    (source / "etc/os-release").write_text('ID=debian\nVERSION_ID="12"\n')
    out = tmp_path / "out"
    out.mkdir()
    env = {
        **os.environ,
        "BUILDKIT_SCAN_SOURCE": str(source),
        "BUILDKIT_SCAN_DESTINATION": str(out),
        "SOURCE_DATE_EPOCH": "0",
    }
    subprocess.run(["perl", str(SCRIPT)], env=env, check=True)
    assert [p.name for p in out.iterdir()] == ["sbom.spdx.json"]
    statement = json.loads((out / "sbom.spdx.json").read_text())
    assert statement["_type"] == "https://in-toto.io/Statement/v0.1"
    assert statement["predicateType"] == "https://spdx.dev/Document"
    document = statement["predicate"]
    assert document["spdxVersion"] == "SPDX-2.3"
    assert document["creationInfo"]["created"] == "1970-01-01T00:00:00Z"
    packages = {p["name"]: p for p in document["packages"]}
    assert sorted(packages) == ["base-files", "libstdc++6"]  # not the deinstalled one
    libstd = packages["libstdc++6"]
    assert libstd["versionInfo"] == "12.2.0-14"
    assert libstd["SPDXID"] == "SPDXRef-Package-deb-libstdc--6-2"
    assert libstd["supplier"] == "Person: Debian GCC Maintainers (debian-gcc@lists.debian.org)"
    assert libstd["externalRefs"][0]["referenceLocator"] == (
        "pkg:deb/debian/libstdc%2B%2B6@12.2.0-14?arch=arm64&distro=debian-12"
    )
    described = {r["relatedSpdxElement"] for r in document["relationships"]}
    assert described == {p["SPDXID"] for p in document["packages"]}


def test_generator_script_scans_extras_too(tmp_path: Path) -> None:
    require_tool("perl")
    source = tmp_path / "core" / "sbom"
    source.mkdir(parents=True)
    extras = tmp_path / "extras"
    (extras / "sbom-build").mkdir(parents=True)
    out = tmp_path / "out"
    out.mkdir()
    env = {
        **os.environ,
        "BUILDKIT_SCAN_SOURCE": str(source),
        "BUILDKIT_SCAN_DESTINATION": str(out),
        "BUILDKIT_SCAN_SOURCE_EXTRAS": str(extras),
    }
    subprocess.run(["perl", str(SCRIPT)], env=env, check=True)
    assert sorted(p.name for p in out.iterdir()) == ["sbom-build.spdx.json", "sbom.spdx.json"]
    assert json.loads((out / "sbom.spdx.json").read_text())["predicate"]["packages"] == []


def test_sessions_at_once_take_turns_building_the_scanner() -> None:
    """Only the first builds and pushes it; the others wait, then find it in the registry."""
    pushed: list[str] = []
    busy = threading.Lock()
    overlaps: list[str] = []

    def fake_run(cmd: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        if not busy.acquire(blocking=False):
            overlaps.append(cmd[2])
            busy.acquire()
        try:
            time.sleep(0.05)
            if cmd[2] == "build":
                pushed.append(cmd[cmd.index("--tag") + 1])
            found = cmd[2] != "imagetools" or cmd[-1] in pushed
            return subprocess.CompletedProcess(cmd, 0 if found else 1, "", "")
        finally:
            busy.release()

    threads = [
        threading.Thread(target=sbom.ensure_local_scanner, args=("127.0.0.1:5000", fake_run))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
    assert pushed == [sbom.scanner_ref("127.0.0.1:5000")]  # built and pushed once


def test_auto_prefers_buildkits_scanner_where_docker_hub_answers() -> None:
    chosen = sbom.attestations(sbom.AUTO, "127.0.0.1:1", hub_reachable=lambda: True)
    assert chosen.sbom_generator == sbom.BUILDKIT_SCANNER
    assert "*.attest=type=sbom,generator=docker/buildkit-syft-scanner:stable-1" in chosen.set_args()
