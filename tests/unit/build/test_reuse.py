"""bake.build.reuse without docker: records, the probe layout's fingerprint and pruning, the
probe's output filter (a real subprocess), and the probe command's shape."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from bake.build import pipeline, reuse
from bake.core.docker import Docker
from bake.core.errors import CommandError

TINY = Path(__file__).parents[2] / "fixtures" / "tiny" / "family.yaml"


def _blob(layout: Path, body: bytes) -> str:
    digest = hashlib.sha256(body).hexdigest()
    folder = layout / "blobs" / "sha256"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / digest).write_bytes(body)
    return f"sha256:{digest}"


def _manifest(layout: Path, layer: bytes) -> tuple[str, int]:
    config = _blob(layout, b"{}")
    digest = _blob(layout, layer)
    body = json.dumps(
        {"config": {"digest": config}, "layers": [{"digest": digest, "size": len(layer)}]}
    ).encode()
    return _blob(layout, body), len(body)


def test_records_round_trip_and_other_inputs_do_not_match(tmp_path: Path) -> None:
    tagged: list[list[str]] = []
    docker = Docker(run=lambda cmd, **_: tagged.append(list(cmd)))  # type: ignore[arg-type,return-value]
    verified = reuse.Verified("hello", "sha256:i", {"linux/amd64": "sha256:m"}, {"x": "p"}, "k")
    reuse.remember(docker, tmp_path, verified)
    assert tagged == [["docker", "tag", "sha256:i", reuse.keeper(tmp_path, "hello")]]
    assert reuse.recorded(tmp_path, "hello", "k") == verified
    assert reuse.recorded(tmp_path, "hello", "other") is None
    assert reuse.recorded(tmp_path, "base", "k") is None


def test_probe_fingerprint_of_an_index_prunes_the_rest_and_makes_layers_sparse(
    tmp_path: Path,
) -> None:
    layout = tmp_path / "layouts" / "hello"
    amd64, size = _manifest(layout, b"layer amd64" * 1000)
    stale = _blob(layout, b"an older build's layer")
    index = {
        "manifests": [
            {"digest": amd64, "size": size, "platform": {"os": "linux", "architecture": "amd64"}}
        ]
    }
    top = _blob(layout, json.dumps(index).encode())
    metadata = tmp_path / "metadata.json"
    metadata.write_text(json.dumps({"hello": {"containerimage.digest": top}}))
    found = reuse.probed_manifests(tmp_path / "layouts", metadata, ["hello"])
    assert found == {"hello": {"linux/amd64": amd64}}
    blobs = layout / "blobs" / "sha256"
    assert not (blobs / stale.removeprefix("sha256:")).exists()
    layer = blobs / hashlib.sha256(b"layer amd64" * 1000).hexdigest()
    assert layer.stat().st_size == 11000 and layer.stat().st_blocks == 0


def test_a_one_platform_probe_is_fingerprinted_by_its_manifest(tmp_path: Path) -> None:
    layout = tmp_path / "layouts" / "hello"
    manifest, _ = _manifest(layout, b"one")
    metadata = tmp_path / "metadata.json"
    metadata.write_text(json.dumps({"hello": {"containerimage.digest": manifest}}))
    found = reuse.probed_manifests(tmp_path / "layouts", metadata, ["hello"])
    assert list(found["hello"].values()) == [manifest]


def test_run_probe_hides_the_lock_retries_only(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    noise = "ERROR: (*service).Write failed: rpc error: ref layer-sha256:ab locked for 5ms (since x): unavailable"
    script = f"print({noise!r}); print('#5 DONE 0.1s')"
    reuse.run_probe(Docker(), [sys.executable, "-c", script], tmp_path, {})
    err = capfd.readouterr().err
    assert "#5 DONE" in err
    assert not [line for line in err.splitlines() if line.startswith("ERROR:")]
    with pytest.raises(CommandError):
        reuse.run_probe(Docker(), [sys.executable, "-c", "raise SystemExit(3)"], tmp_path, {})


def test_probe_command_has_no_attestations_and_writes_no_cache() -> None:
    plan = pipeline.make_plan(
        TINY, "hello", {"REGISTRY": "r", "TAG": "t"}, pipeline.Options(sbom_generator="off"), {}
    )
    cmd = pipeline.probe_command(plan, Path("/l"), Path("/m.json"))
    assert "--set" in cmd and "hello.output=type=oci,tar=false,dest=/l/hello" in cmd
    assert "--provenance=false" in cmd and "--sbom=false" in cmd
    assert not any("attest" in a or "cache-to" in a for a in cmd)
    assert cmd[cmd.index("--allow") + 1] == "fs.write=/l"
