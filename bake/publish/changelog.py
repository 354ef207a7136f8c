"""Package changelogs: per image × platform, the Debian packages a release added, removed
and upgraded against the previous published version, read from the SPDX SBOM
attestations both indexes carry (``bake.publish.sbom``); the diff is ``bake.publish.packagediff``'s.

A changelog goes to the step summary, to ``$BAKE_CHANGES_DIR/CHANGES-<image>.md`` (when
set: CI uploads the folder as an artifact) and, as a short digest of its lines, to the
index's ``com.neko-bake.changes`` annotation (``bake.annotations``). Reading is through
the registry client; ``sbom_packages`` and ``render_markdown`` are pure.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bake.publish import registry, summary
from bake.publish.packagediff import PackageChanges, Packages, compare_lists
from bake.publish.readback import (
    ATTESTATION,
    PREDICATE_TYPE,
    REFERENCE_DIGEST,
    REFERENCE_TYPE,
    platform_of,
)

__all__ = [
    "CHANGES_DIR_ENV",
    "Changelog",
    "changes_digest",
    "diff_indexes",
    "index_packages",
    "render_markdown",
    "sbom_packages",
    "write_changelogs",
]

SPDX_PREFIX = "https://spdx.dev/Document"
CHANGES_DIR_ENV = "BAKE_CHANGES_DIR"


@dataclass(frozen=True)
class Changelog:
    """One image's release: per platform its changes, None when either side has no SBOM."""

    image: str
    previous: str  # the previous index's digest ("": first release)
    changes: Mapping[str, PackageChanges | None] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return not self.previous or any(c is None or c for c in self.changes.values())


def _purl_key(purl: str) -> tuple[str, str] | None:
    """``pkg:deb/debian/libc6@2.36-9?arch=amd64`` → (``libc6:amd64``, ``2.36-9``)."""
    if not purl.startswith("pkg:deb/"):
        return None
    path, _, query = purl.removeprefix("pkg:deb/").partition("?")
    name, _, version = path.rsplit("/", 1)[-1].partition("@")
    arch = urllib.parse.parse_qs(query).get("arch", [""])[0]
    return f"{urllib.parse.unquote(name)}:{arch}", urllib.parse.unquote(version)


def sbom_packages(statement: Mapping[str, Any]) -> Packages:
    """The Debian packages of an in-toto SPDX statement (by their ``pkg:deb`` purls)."""
    packages: Packages = {}
    for package in (statement.get("predicate") or {}).get("packages") or []:
        for ref in package.get("externalRefs") or []:
            found = _purl_key(str(ref.get("referenceLocator", "")))
            if ref.get("referenceType") == "purl" and found:
                packages[found[0]] = found[1]
    return packages


def index_packages(
    client: registry.Client, repo: str, index: Mapping[str, Any]
) -> dict[str, Packages | None]:
    """Platform → its packages from the index's SBOM attestations (None: no SBOM)."""
    images = {
        d["digest"]: platform_of(d)
        for d in index.get("manifests") or []
        if (d.get("annotations") or {}).get(REFERENCE_TYPE) != ATTESTATION
    }
    found: dict[str, Packages | None] = dict.fromkeys(images.values())
    for descriptor in index.get("manifests") or []:
        annotations = descriptor.get("annotations") or {}
        subject = annotations.get(REFERENCE_DIGEST)
        if annotations.get(REFERENCE_TYPE) != ATTESTATION or subject not in images:
            continue
        found[images[subject]] = _attested_packages(client, repo, descriptor["digest"])
    return found


def _attested_packages(client: registry.Client, repo: str, digest: str) -> Packages | None:
    manifest = client.get_manifest(repo, digest)
    if manifest is None:
        return None
    layers = manifest.json().get("layers")
    for layer in layers if isinstance(layers, list) else []:
        predicate = (layer.get("annotations") or {}).get(PREDICATE_TYPE, "")
        if predicate.startswith(SPDX_PREFIX):
            blob = client.get_blob(repo, layer["digest"])
            return sbom_packages(json.loads(blob)) if blob is not None else None
    return None


def diff_indexes(
    image: str,
    new: Mapping[str, Packages | None],
    old: Mapping[str, Packages | None] | None,
    previous: str,
) -> Changelog:
    """Per platform of ``new``: what changed since ``old`` (None when either lacks an SBOM)."""
    if old is None:
        return Changelog(image, "", {p: None for p in new})
    changes: dict[str, PackageChanges | None] = {}
    for platform, packages in new.items():
        before = old.get(platform, {})
        if packages is None or before is None:
            changes[platform] = None
        else:
            changes[platform] = compare_lists(before, packages)
    return Changelog(image, previous, changes)


def changes_digest(changelog: Changelog) -> str:
    """A short digest of the change list (per platform, one line per package)."""
    text = "\n".join(
        f"{platform} {line}"
        for platform, changes in sorted(changelog.changes.items())
        for line in (changes.lines() if changes is not None else ["? no SBOM"])
    )
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]


def render_markdown(changelog: Changelog) -> str:
    """A heading, then per platform the upgraded, added and removed packages."""
    lines = [f"### Package changes: {changelog.image}", ""]
    if not changelog.previous:
        lines.append("First release (nothing published before to compare with).")
    else:
        lines.append(f"Against the previous release `{changelog.previous}`.")
    for platform, changes in changelog.changes.items():
        if changes is None:
            text = ["no SBOM on one side: package list unknown"] if changelog.previous else []
        else:
            text = changes.lines() or ["unchanged"]
        if text:
            lines += ["", f"**{platform}**", "", *(f"- `{t}`" for t in text)]
    return "\n".join(lines) + "\n"


def write_changelogs(changelogs: Sequence[Changelog], env: Mapping[str, str]) -> list[Path]:
    """To the step summary, and to ``$BAKE_CHANGES_DIR/CHANGES-<image>.md`` when set."""
    folder = Path(env[CHANGES_DIR_ENV]) if env.get(CHANGES_DIR_ENV) else None
    written = []
    for changelog in changelogs:
        text = render_markdown(changelog)
        summary.append_step_summary(text, env)
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"CHANGES-{changelog.image}.md"
            path.write_text(text)
            written.append(path)
    return written
