"""The final phase of a publish: move every tag, or say exactly where each one points.

Every tag is read first; then only those that must move get one manifest PUT each. A tag
already at the index, or at an index of the same image manifests (a reproducible
rebuild: only the attestations differ), is left alone and reported "unchanged". The
first PUT that fails for good stops the phase, and ``render_moves`` lists where every
tag points now: moved, unchanged, FAILED or not moved, so a rerun (which converges)
is a matter of running the same command again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bake.core.errors import BakeError
from bake.publish import registry
from bake.publish.ocitar import platform_manifests

__all__ = ["TagMove", "Target", "render_moves", "set_tags"]


@dataclass(frozen=True)
class Target:
    """One image's final index, what it must hold, and the refs to tag with it."""

    image: str
    digest: str
    body: bytes
    media_type: str
    tested: Mapping[str, str]  # platform → image manifest digest the smoke tests ran
    refs: tuple[str, ...]


@dataclass(frozen=True)
class TagMove:
    """One tag of phase 3: where it pointed, where it must point, what happened."""

    ref: str
    want: str
    before: str | None  # None: the tag did not exist (or could not be read)
    state: str  # new, moved, unchanged, FAILED, not moved
    detail: str = ""  # "same images", or why the PUT failed

    @property
    def now(self) -> str | None:
        """Where the tag points after the phase."""
        if self.state in ("new", "moved"):
            return self.want
        return self.before


def set_tags(
    targets: Sequence[Target], clients: registry.ClientFor = registry.client_for
) -> list[TagMove]:
    """Phase 3: read every tag, then PUT those that must move; stop at the first failure."""
    plans: list[tuple[Target, str, registry.Manifest | None]] = []
    for target in targets:
        for ref in target.refs:
            registry_host, rest = registry.split_repository(ref)
            repo, _, tag = rest.rpartition(":")
            plans.append((target, ref, clients(registry_host).get_manifest(repo, tag)))
    moves: list[TagMove] = []
    failed = False
    for target, ref, current in plans:
        before = current.digest if current else None
        if failed:
            moves.append(TagMove(ref, target.digest, before, "not moved"))
        elif before == target.digest:
            moves.append(TagMove(ref, target.digest, before, "unchanged"))
        elif current and _same_images(current, target):
            moves.append(TagMove(ref, target.digest, before, "unchanged", "same images"))
        else:
            registry_host, rest = registry.split_repository(ref)
            repo, _, tag = rest.rpartition(":")
            try:
                clients(registry_host).put_manifest(repo, tag, target.body, target.media_type)
                moves.append(TagMove(ref, target.digest, before, "moved" if before else "new"))
            except BakeError as exc:
                failed = True
                moves.append(
                    TagMove(ref, target.digest, before, "FAILED", str(exc).splitlines()[0])
                )
    return moves


def _same_images(current: registry.Manifest, target: Target) -> bool:
    """The tag holds an index of exactly the tested image manifests (a no-op rebuild)."""
    try:
        return platform_manifests(current.json()) == dict(target.tested)
    except (ValueError, BakeError):
        return False


def render_moves(moves: Sequence[TagMove]) -> str:
    """Where every tag points: one line per tag."""
    width = max((len(m.ref) for m in moves), default=0)
    lines = []
    for move in moves:
        where = move.now or "absent"
        wanted = (
            ""
            if move.now == move.want or move.detail == "same images"
            else f" (wanted {move.want})"
        )
        note = f"  [{move.detail}]" if move.detail else ""
        lines.append(f"  {move.state:<10} {move.ref.ljust(width)}  → {where}{wanted}{note}")
    return "\n".join(lines)
