"""Nothing changed, nothing to do: reuse the last verified build of an image.

Every build that exports and loads an image remembers it (``remember``): the index it
loaded (attestations included) and the image manifest of each platform. The next build
of the same selection first asks BuildKit what the image manifests would be now (a
*probe*: the same bake call, attestations off, each image exported to an OCI layout
folder of its own with ``tar=false`` and without rewriting timestamps; BuildKit sends only the blobs the folder lacks,
and the folder's layers are kept as sparse files of the right size, so on a no-op it
sends a few manifests and the folder takes no disk). An image whose probed manifests
are the ones probed before its last export, with the same attestation settings, and whose remembered index
is still in the local image store (kept there under a private name, ``keeper``; and, for
an upload, in every registry repository),
is not exported, loaded or attested again: the remembered index is what gets tested,
tagged and pushed. So the proof that what is pushed is what was tested is digests
compared, not bytes re-exported; and an unchanged image keeps its attestations, so
its index digest does not move.

Not file timestamps: BuildKit decides from its own cache keys (contexts, base image
digests, the resolved bake definition), and the probe reports what it would produce.
The state lives in ``BAKE_STATE_DIR`` (default ``~/.cache/neko-bake``; ``off``: never
reuse), one folder per family root.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bake.build.isolation import PIN_REGISTRY
from bake.core import run
from bake.core.docker import Docker
from bake.core.errors import BakeError, CommandError, PipelineError
from bake.publish import readback, registry
from bake.publish.registries import Registries

__all__ = [
    "OFF",
    "PROBE_OUTPUT",
    "STATE_ENV",
    "Verified",
    "default_state",
    "family_folder",
    "in_registry",
    "inputs_key",
    "keeper",
    "locked",
    "present",
    "probed_manifests",
    "recorded",
    "remember",
    "restore",
    "run_probe",
]

STATE_ENV = "BAKE_STATE_DIR"
OFF = ("off", "none", "false", "0")
# No rewrite-timestamp: BuildKit rewrites every layer again on each export (~10 s per
# platform for firefox); the probe's own manifests are a fingerprint, stable as long as
# BuildKit's cache holds the layers, and remembered next to the exported ones.
PROBE_OUTPUT = "type=oci,tar=false"
# Platforms sharing a layer (a COPY) write it to the layout at once; all but one get this
# and BuildKit retries: noise, not a failure (the exit code says if the probe failed).
_BENIGN = re.compile(r"\(\*service\)\.Write failed: .* locked for .*: unavailable")


@dataclass(frozen=True)
class Verified:
    """An image as the last build loaded it, after checking it was the exported index."""

    image: str
    index: str  # the loaded (and uploaded) index digest, attestations included
    manifests: Mapping[str, str]  # platform → image manifest digest
    probe: Mapping[str, str]  # platform → the probe's manifest digest (its fingerprint)
    inputs: str  # what the manifests do not show: attestation settings, extra buildx args


def default_state(env: Mapping[str, str]) -> str:
    """``$BAKE_STATE_DIR``, else ``$XDG_CACHE_HOME/neko-bake`` (``~/.cache/neko-bake``)."""
    if env.get(STATE_ENV):
        return env[STATE_ENV]
    cache = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(cache) / "neko-bake")


def family_folder(state: str, root: Path) -> Path | None:
    """This family's folder in the state (None: reuse is off)."""
    if not state or state.lower() in OFF:
        return None
    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return Path(state) / key


def inputs_key(attest_args: Sequence[str], buildx_args: Sequence[str]) -> str:
    """A digest of the settings that change attestations but not image manifests."""
    text = json.dumps({"attest": list(attest_args), "buildx": list(buildx_args)})
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _record_path(folder: Path, image: str) -> Path:
    return folder / "verified" / f"{image}.json"


def recorded(folder: Path, image: str, inputs: str) -> Verified | None:
    """The image's remembered build, if it was made with the same ``inputs``."""
    try:
        data = json.loads(_record_path(folder, image).read_text(encoding="utf-8"))
        found = Verified(
            image, str(data["index"]), dict(data["manifests"]), dict(data["probe"]), data["inputs"]
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found if found.inputs == inputs else None


def keeper(folder: Path, image: str) -> str:
    """The private name that keeps the verified index in the local store when its public
    name moves (another session, a plain ``docker buildx bake``, which loads by default)."""
    return f"{PIN_REGISTRY}/verified-{folder.name}/{image}:kept"


def remember(docker: Docker, folder: Path, verified: Verified) -> None:
    """Keep the loaded index under a private name and write the record atomically
    (another session may read it at the same moment)."""
    docker.run(["docker", "tag", verified.index, keeper(folder, verified.image)], capture=True)
    path = _record_path(folder, verified.image)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"index": verified.index, "manifests": dict(verified.manifests)}
    data["probe"] = dict(verified.probe)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({**data, "inputs": verified.inputs}, handle, sort_keys=True)
    os.replace(name, path)


@contextmanager
def locked(folder: Path) -> Iterator[Path]:
    """Hold the family's probe lock; yields the folder of its probe layouts."""
    layouts = folder / "layouts"
    layouts.mkdir(parents=True, exist_ok=True)
    with open(folder / "probe.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield layouts


def run_probe(docker: Docker, cmd: list[str], cwd: Path, env: Mapping[str, str]) -> None:
    """Run the probe bake, its output shown as it comes but for the benign lock retries."""
    proc = docker.start(cmd, env=env, cwd=cwd)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if not _BENIGN.search(line):
                sys.stderr.write(line)
        returncode = proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if returncode != 0:
        raise CommandError(run.failure_message(cmd, returncode, None, None))


def probed_manifests(
    layouts: Path, metadata: Path, images: Sequence[str]
) -> dict[str, dict[str, str]]:
    """Image → {platform: manifest digest} the probe exported; each layout is pruned to it."""
    data = json.loads(metadata.read_text(encoding="utf-8"))
    found = {}
    for image in images:
        digest = (data.get(image) or {}).get("containerimage.digest")
        if not digest:
            raise PipelineError(f"probe: buildx reported no image digest for {image}")
        found[image] = _prune(layouts / image, str(digest))
    return found


def _prune(layout: Path, index: str) -> dict[str, str]:
    """Keep only the blobs of ``index``; layers become sparse files of their size."""
    blobs = layout / "blobs" / "sha256"

    def read(digest: str) -> dict[str, Any]:
        return dict(json.loads((blobs / digest.removeprefix("sha256:")).read_bytes()))

    keep = {index}
    top = read(index)
    descriptors: list[dict[str, Any]]
    if "config" in top:  # one platform: BuildKit exports the image manifest alone
        descriptors = [{"digest": index, "platform": {"os": "single", "architecture": "image"}}]
    else:
        descriptors = list(top.get("manifests") or [])
    manifests = {}
    for descriptor in descriptors:
        manifests[readback.platform_of(descriptor)] = str(descriptor["digest"])
        keep.add(descriptor["digest"])
        body = read(descriptor["digest"])
        keep.add(body["config"]["digest"])
        for layer in body.get("layers") or []:
            keep.add(layer["digest"])
            _sparse(blobs / layer["digest"].removeprefix("sha256:"), int(layer["size"]))
    names = {d.removeprefix("sha256:") for d in keep}
    for path in blobs.iterdir():
        if path.name not in names:
            path.unlink(missing_ok=True)
    return manifests


def _sparse(path: Path, size: int) -> None:
    """BuildKit only asks whether a blob exists: a hole of the right size will do."""
    if path.exists() and path.stat().st_blocks:
        os.truncate(path, 0)
        os.truncate(path, size)


def present(docker: Docker, verified: Verified) -> bool:
    """Is the remembered index still in the local image store (under any name)?"""
    probe = docker.run(
        ["docker", "image", "inspect", "--format", "{{.Id}}", verified.index],
        capture=True,
        check=False,
        echo=False,
    )
    return probe.returncode == 0 and probe.stdout.strip() == verified.index


def in_registry(registries: Registries, verified: Verified, repositories: Sequence[str]) -> bool:
    """Does every repository hold the remembered index by digest (an upload would add nothing)?"""
    try:
        for repository in repositories:
            registry_host, repo = registry.split_repository(repository)
            if registries.client(registry_host).get_manifest(repo, verified.index) is None:
                return False
    except BakeError:
        return False
    return True


def restore(docker: Docker, verified: Verified, ref: str) -> None:
    """Point ``ref`` at the remembered index in the local store, and check that it does."""
    if _local(docker, ref) != verified.index:
        docker.run(["docker", "tag", verified.index, ref], capture=True)
    found = _local(docker, ref)
    if found != verified.index:
        raise PipelineError(f"{ref}: points at {found}, not the verified {verified.index}")


def _local(docker: Docker, ref: str) -> str:
    """The image ID ``ref`` points at in the local store ("": none)."""
    try:
        return readback.local_digest(ref, docker.capture)
    except CommandError:
        return ""
