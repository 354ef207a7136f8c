"""The build step: check the host, write the generated files, probe, build with one bake
call, then load the fresh tars or restore the reused indexes (``bake.build.reuse``)."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from bake.build import export, host, isolation, reuse
from bake.build.plan import Plan, bake_command, describe, describe_attestations, probe_command, say
from bake.emit import generated
from bake.publish import sbom

__all__ = ["Built", "build_and_load"]


@dataclass(frozen=True)
class Built:
    """What ``build_and_load`` left in the local store: fresh tars in ``out``, or reused indexes."""

    attestations: sbom.Attestations
    reused: Mapping[str, reuse.Verified]  # image name → the verified index used again


def build_and_load(
    plan: Plan,
    action: str,
    out: Path,
    pins: isolation.Pins | None = None,
    uploaded: bool = False,
) -> Built:
    """Build and load; ``uploaded``: reuse an image only if every repository holds it."""
    host.check_build_host(plan.docker)
    generated.write_files(generated.expected_files(plan.family, plan.config_path))
    say(describe(plan, action))
    attestations = sbom.attestations(
        plan.options.sbom_generator,
        plan.options.tools_registry,
        runner=plan.docker.run,
        check_registry=plan.registries.check,
    )
    say(describe_attestations(attestations))
    env = {**plan.bake_env(), "SOURCE_DATE_EPOCH": export.source_date_epoch(os.environ)}
    start = time.monotonic()
    folder = reuse.family_folder(plan.options.state, plan.family.root)
    inputs = reuse.inputs_key(attestations.set_args(), plan.options.buildx_args)
    probed = probe(plan, folder, env)
    reused = reusable(plan, folder, inputs, probed, uploaded)
    exported = tuple(image for image in plan.images if image.name not in reused)
    if exported:
        command = bake_command(plan, attestations, out, exported)
        plan.docker.run(command, cwd=plan.family.root, env=env)
    # Another session may load the same names: take turns, and pin what this run loaded.
    with isolation.loading(ref for image in plan.images for ref in plan.refs(image)):
        for image in exported:
            loaded = export.load(plan.docker, out / f"{image.name}.tar", plan.refs(image)[0])
            if not uploaded:  # only an upload needs the tar after the load (a full image each)
                (out / f"{image.name}.tar").unlink()
            if folder is not None:
                fingerprint = probed.get(image.name, {})
                verified = replace(loaded, image=image.name, probe=fingerprint, inputs=inputs)
                reuse.remember(plan.docker, folder, verified)
        for name, verified in reused.items():
            reuse.restore(plan.docker, verified, plan.refs(plan.family.image(name))[0])
        if pins:
            pins.pin({image.name: plan.refs(image)[0] for image in plan.images})
    took = time.monotonic() - start
    if reused:
        say(f"build: unchanged, reused as verified: {', '.join(reused)} (no export, no load)")
    say(f"build: {plan.selection} built and loaded in {took:.1f}s")
    return Built(attestations, reused)


def probe(plan: Plan, folder: Path | None, env: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Image → the probe's manifests (bake.build.reuse); none when reuse is off."""
    if folder is None or "--no-cache" in plan.options.buildx_args:
        return {}
    with reuse.locked(folder) as layouts, tempfile.TemporaryDirectory(prefix="bake-") as tmp:
        metadata = Path(tmp) / "metadata.json"
        command = probe_command(plan, layouts, metadata)
        reuse.run_probe(plan.docker, command, plan.family.root, env)
        return reuse.probed_manifests(layouts, metadata, [i.name for i in plan.images])


def reusable(
    plan: Plan,
    folder: Path | None,
    inputs: str,
    probed: Mapping[str, Mapping[str, str]],
    uploaded: bool,
) -> dict[str, reuse.Verified]:
    """The images probed as before their last verified export, still at hand."""
    if folder is None or not probed:
        return {}
    found = {}
    for image in plan.images:
        verified = reuse.recorded(folder, image.name, inputs)
        fingerprint = probed.get(image.name)
        if not fingerprint or verified is None or dict(verified.probe) != fingerprint:
            continue
        if not reuse.present(plan.docker, verified):
            continue
        repositories = plan.repositories(image)
        if uploaded and not reuse.in_registry(plan.registries, verified, repositories):
            continue
        found[image.name] = verified
    return found
