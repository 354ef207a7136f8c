"""Sign, attest and verify every index before any tag moves (``BAKE_SIGN``).

A publish uploads each image's index by digest, checks it, and only then moves tags
(``bake.publish.upload``). With signing on, between the check and the tags, every index is, in
every repository it is published in:

1. signed: ``cosign sign`` on ``repository@digest``;
2. given build provenance: ``cosign attest --type slsaprovenance1`` with the SLSA v1
   predicate of ``bake.publish.provenance`` (its subject is the index digest);
3. verified: the signature (``cosign verify``) and the provenance
   (``cosign verify-attestation``) must verify and name this very digest, and the SBOM
   must be there (``sbom_problems``).

One failed verification and no tag moves. Two modes, one code path; only the flags differ:

* ``BAKE_SIGN=keyless`` (the workflow's merge job): Sigstore keyless with the GitHub
  Actions OIDC token; the verification demands the certificate of this very workflow
  (``https://github.com/<owner>/<repo>/.github/workflows/<file>@<ref>``) issued by
  ``https://token.actions.githubusercontent.com``; the transparency log is used.
* ``BAKE_SIGN=key:<path/cosign.key>`` (a laptop, the local registry, the tests): a key pair
  from ``cosign generate-key-pair``, its password in ``COSIGN_PASSWORD``, verified with
  the ``.pub`` beside the key, the transparency log off (nothing leaves the machine).
* ``off`` (the default): nothing is signed.

What "the SBOM is verified" means here: BuildKit attaches each platform's SBOM as an
in-toto statement in an attestation manifest that the index itself lists. So the signed
index digest covers, by content address, each attestation manifest and each SBOM blob.
For every platform image manifest of the index, ``bake.publish.sbom.sbom_problems`` requires an attestation
manifest that refers to it, an SPDX layer in it, and that layer's bytes (checked against
their digest) to be an SPDX statement whose subject is that platform's manifest digest.
Once the index's signature verifies, that is a verified SBOM; no second signature is made.
"""

from __future__ import annotations

import base64
import functools
import json
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bake.core import run
from bake.core.errors import BakeError, PipelineError
from bake.publish import provenance, readback, registry
from bake.publish.cosign import (
    ISSUER,
    Mode,
    attest_command,
    check_host,
    parse_mode,
    sign_command,
    verify_attestation_command,
    verify_command,
)
from bake.publish.records import Record
from bake.publish.sbom import ReadJson, Runner, sbom_problems
from bake.publish.tagmove import Target

__all__ = [
    "ISSUER",
    "Mode",
    "Sealing",
    "attest_command",
    "check_host",
    "parse_mode",
    "seal",
    "sign_command",
    "verify_attestation_command",
    "verify_command",
]


# --- acting ----------------------------------------------------------------------------


def _cosign(cmd: Sequence[str], runner: Runner) -> tuple[bool, str, str]:
    """Run cosign quietly (its output is JSON or noise): ok, stdout, its error line."""
    proc = runner(cmd, capture=True, check=False)
    lines = [line.strip() for line in (proc.stderr or "").splitlines() if line.strip()]
    error = next((line for line in lines if line.startswith("Error:")), lines[-1] if lines else "")
    return proc.returncode == 0, proc.stdout or "", error.removeprefix("Error:").strip()


def _sign(
    sealing: Sealing, target: Target, ref: str, predicate: dict[str, Any], folder: Path
) -> None:
    mode = sealing.mode
    ok, _, error = _cosign(sign_command(mode, ref), sealing.run)
    if not ok:
        raise PipelineError(f"signing {ref} failed: {error}; no tag was set")
    path = folder / f"{target.image}.provenance.json"
    path.write_text(json.dumps(predicate, indent=2))
    ok, _, error = _cosign(attest_command(mode, ref, path), sealing.run)
    if not ok:
        raise PipelineError(f"attaching provenance to {ref} failed: {error}; no tag was set")


def signature_problems(mode: Mode, ref: str, digest: str, runner: Runner = run.run) -> list[str]:
    """The signature verifies and signs this digest."""
    ok, out, error = _cosign(verify_command(mode, ref), runner)
    if not ok:
        return [f"{ref}: the signature does not verify ({error})"]
    try:
        signed = {item["critical"]["image"]["docker-manifest-digest"] for item in json.loads(out)}
    except (ValueError, KeyError, TypeError):
        return [f"{ref}: cosign verify printed no signature payloads"]
    return [] if digest in signed else [f"{ref}: the signatures name {sorted(signed)}"]


def provenance_problems(mode: Mode, ref: str, digest: str, runner: Runner = run.run) -> list[str]:
    """A verified SLSA v1 provenance statement whose subject is this digest."""
    ok, out, error = _cosign(verify_attestation_command(mode, ref), runner)
    if not ok:
        return [f"{ref}: the provenance does not verify ({error})"]
    for line in out.splitlines():
        try:
            statement = json.loads(base64.b64decode(json.loads(line)["payload"]))
            subjects = {s["digest"]["sha256"] for s in statement["subject"]}
        except (ValueError, KeyError, TypeError):
            continue
        if statement.get("predicateType") == provenance.PREDICATE_TYPE and (
            digest.removeprefix("sha256:") in subjects
        ):
            return []
    return [f"{ref}: no verified SLSA v1 provenance names {digest}"]


def _read_json(
    repository: str, digest: str, blob: bool, clients: registry.ClientFor
) -> dict[str, Any]:
    registry_host, repo = registry.split_repository(repository)
    client = clients(registry_host)
    if blob:
        body = client.get_blob(repo, digest)
        if body is None:
            raise PipelineError(f"{repository}@{digest}: not found")
        data = json.loads(body)
    else:
        found = client.get_manifest(repo, digest)
        if found is None:
            raise PipelineError(f"{repository}@{digest}: not found")
        data = found.json()
    if not isinstance(data, dict):
        raise PipelineError(f"{repository}@{digest}: not a JSON object")
    return data


@dataclass(frozen=True)
class Sealing:
    """What ``seal`` needs besides the targets: the mode, the records, the run's context,
    and what it acts through (cosign's runner, the registries' clients)."""

    mode: Mode
    records: tuple[Record, ...]
    sbom_required: bool
    env: Mapping[str, str]
    commit: str = ""
    run: Runner = run.run
    clients: registry.ClientFor = registry.client_for


def seal(targets: Sequence[Target], sealing: Sealing, read: ReadJson | None = None) -> None:
    """Sign and attest every target in each of its repositories, then verify it all;
    raise (one line; every problem is listed above it) unless everything verifies.
    ``read`` fetches an attestation's JSON (default: through ``sealing.clients``)."""
    if not sealing.mode.on:
        return
    read = read or functools.partial(_read_json, clients=sealing.clients)
    refs = [(t, f"{repo}@{t.digest}") for t in targets for repo in _repositories(t)]
    with tempfile.TemporaryDirectory(prefix="bake-sign-") as folder:
        for target, ref in refs:
            records = [r for r in sealing.records if r.image == target.image]
            predicate = provenance.predicate(target, records, sealing.env, sealing.commit)
            _sign(sealing, target, ref, predicate, Path(folder))
    problems = []
    for target, ref in refs:
        problems += _problems(target, ref, sealing, read)
    if problems:
        print("\n".join(f"  {problem}" for problem in problems), file=sys.stderr, flush=True)
        more = f" (and {len(problems) - 1} more, listed above)" if len(problems) > 1 else ""
        raise PipelineError(f"verification failed: {problems[0]}{more}; no tag was set")
    checked = "signature, provenance" + (", SBOM" if sealing.sbom_required else "")
    print(
        f"sign: {len(refs)} indexes {sealing.mode.describe()}; verified: {checked}",
        file=sys.stderr,
        flush=True,
    )


def _problems(target: Target, ref: str, sealing: Sealing, read: ReadJson) -> list[str]:
    problems = signature_problems(sealing.mode, ref, target.digest, sealing.run)
    problems += provenance_problems(sealing.mode, ref, target.digest, sealing.run)
    if sealing.sbom_required:
        try:
            index = json.loads(target.body)
            problems += [
                f"{ref}: {p}" for p in sbom_problems(index, readback.repository_of(ref), read)
            ]
        except (BakeError, ValueError) as exc:
            problems.append(f"{ref}: cannot read its SBOM: {str(exc).splitlines()[0]}")
    return problems


def _repositories(target: Target) -> list[str]:
    return list(dict.fromkeys(readback.repository_of(ref) for ref in target.refs))
