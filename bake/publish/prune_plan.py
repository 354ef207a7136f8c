"""What ``prune`` keeps and deletes in one repository: a pure function of its tags, the
manifests they reach, the family's retention (``bake.model.retention``) and the clock.

Kept: every release tag (semver ``1.2.3``/``1.2``/``1``, ``latest``, ``edge``, the
family's own ``tags``), the newest N ``sha-…`` tags and those younger than D days, any
tag that is neither (prune manages only ``sha-…`` tags), and every attached tag
(cosign's ``sha256-<hex>.sig``/``.att``/``.sbom``, our ``.bake`` release record) whose
digest a kept tag reaches. Deleted: the other ``sha-…`` and attached tags, then every
manifest they reach that no kept tag reaches (child manifests and attestation manifests
of an index included) and ``--keep-digest`` does not name.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bake.model.retention import Retention

__all__ = ["Decision", "PrunePlan", "TagState", "plan_prune", "reachable", "render_plan"]

SEMVER = re.compile(r"^v?[0-9]+(?:\.[0-9]+){0,2}$")
SHA = re.compile(r"^sha-[0-9a-f]{7,40}$")
ATTACHED = re.compile(r"^(sha256)-([0-9a-f]{64})\.(sig|att|sbom|bake)$")
RELEASE = ("latest", "edge")


@dataclass(frozen=True)
class TagState:
    """One tag as the registry holds it: its manifest digest and when it was published."""

    tag: str
    digest: str
    created: datetime.datetime | None  # None: unknown (no release record)


@dataclass(frozen=True)
class Decision:
    """One tag's fate and why."""

    tag: str
    digest: str
    age: str
    keep: bool
    reason: str
    alone: bool = False  # deleted by itself: its digest stays (a kept tag reaches it)


@dataclass(frozen=True)
class PrunePlan:
    """One repository's plan: every tag's decision, then the manifests to delete."""

    repository: str
    decisions: tuple[Decision, ...]
    manifests: tuple[str, ...]  # parents before children
    kept: frozenset[str]  # every digest a kept tag reaches

    @property
    def doomed_tags(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if not d.keep)


def reachable(roots: Iterable[str], children: Mapping[str, Sequence[str]]) -> list[str]:
    """Every digest reachable from ``roots`` (themselves included), parents first."""
    seen: dict[str, None] = {}
    todo = list(roots)
    while todo:
        digest = todo.pop(0)
        if digest not in seen:
            seen[digest] = None
            todo += children.get(digest, ())
    return list(seen)


def _age(created: datetime.datetime | None, now: datetime.datetime) -> str:
    if created is None:
        return "unknown"
    hours = (now - created).total_seconds() / 3600
    return f"{hours / 24:.1f}d" if hours >= 48 else f"{hours:.1f}h"


def _sha_reasons(
    tags: Sequence[TagState], retention: Retention, now: datetime.datetime
) -> dict[str, tuple[bool, str]]:
    """The newest N sha tags (unknown ages count as oldest), and those younger than D days."""
    oldest = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    ordered = sorted(tags, key=lambda t: (t.created or oldest, t.tag), reverse=True)
    found = {}
    for rank, state in enumerate(ordered, 1):
        young = (
            retention.keep_days > 0
            and state.created is not None
            and now - state.created < datetime.timedelta(days=retention.keep_days)
        )
        if rank <= retention.keep_sha:
            found[state.tag] = (True, f"newest {retention.keep_sha} sha tags (#{rank})")
        elif young:
            found[state.tag] = (True, f"younger than {retention.keep_days} days")
        else:
            found[state.tag] = (False, f"sha tag #{rank}, beyond the newest {retention.keep_sha}")
    return found


def _first_pass(
    tags: Sequence[TagState],
    retention: Retention,
    release_tags: Sequence[str],
    now: datetime.datetime,
) -> dict[str, tuple[bool, str]]:
    """Every tag but the attached ones: release, sha (by retention), or unmanaged."""
    shas = _sha_reasons([t for t in tags if SHA.match(t.tag)], retention, now)
    found: dict[str, tuple[bool, str]] = {}
    for state in tags:
        if ATTACHED.match(state.tag):
            continue
        if state.tag in shas:
            found[state.tag] = shas[state.tag]
        elif SEMVER.match(state.tag) or state.tag in (*RELEASE, *release_tags):
            found[state.tag] = (True, "release tag")
        else:
            found[state.tag] = (True, "not a sha-… tag: prune leaves it alone")
    return found


def plan_prune(
    repository: str,
    tags: Sequence[TagState],
    children: Mapping[str, Sequence[str]],
    retention: Retention,
    *,
    release_tags: Sequence[str] = (),
    keep_digests: Sequence[str] = (),
    now: datetime.datetime | None = None,
) -> PrunePlan:
    """Decide every tag of ``repository``, then which manifests go (see the module doc)."""
    now = now or datetime.datetime.now(datetime.UTC)
    verdicts = _first_pass(tags, retention, release_tags, now)
    digest_of = {t.tag: t.digest for t in tags}
    roots = [digest_of[t] for t, (keep, _) in verdicts.items() if keep] + list(keep_digests)
    kept = reachable(roots, children)
    for state in tags:  # attached tags follow the digest they are named after
        match = ATTACHED.match(state.tag)
        if match:
            target = f"{match.group(1)}:{match.group(2)}"
            attached = target in kept
            verdicts[state.tag] = (
                attached,
                f"{match.group(3)} of a {'kept' if attached else 'deleted'} digest",
            )
            if attached:
                kept += [d for d in reachable([state.digest], children) if d not in kept]
    kept_set = frozenset(kept)
    decisions = tuple(
        Decision(
            t.tag,
            t.digest,
            _age(t.created, now),
            verdicts[t.tag][0],
            verdicts[t.tag][1],
            alone=not verdicts[t.tag][0] and t.digest in kept_set,
        )
        for t in tags
    )
    doomed = reachable([d.digest for d in decisions if not d.keep], children)
    manifests = tuple(d for d in doomed if d not in kept_set)
    return PrunePlan(repository, decisions, manifests, kept_set)


def render_plan(plan: PrunePlan) -> str:
    """The plan as a table: tag, digest, age, keep/delete, reason; then the manifests."""
    width = max((len(d.tag) for d in plan.decisions), default=3)
    lines = [
        f"prune {plan.repository}:",
        f"  {'TAG'.ljust(width)}  DIGEST               AGE      ACTION  REASON",
    ]
    for d in sorted(plan.decisions, key=lambda d: (d.keep, d.tag)):
        action = "keep" if d.keep else ("untag" if d.alone else "delete")
        note = "; its digest stays (a kept tag reaches it)" if d.alone else ""
        lines.append(
            f"  {d.tag.ljust(width)}  {d.digest[:19]}  {d.age:<7}  {action:<6}  {d.reason}{note}"
        )
    for digest in plan.manifests:
        lines.append(f"  manifest {digest}  delete  no kept tag reaches it")
    kept = sum(d.keep for d in plan.decisions)
    lines.append(
        f"  {kept} tags kept, {len(plan.decisions) - kept} deleted, "
        f"{len(plan.manifests)} manifests deleted"
    )
    return "\n".join(lines)
