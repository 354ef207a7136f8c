"""``neko-bake prune``: delete old ``sha-…`` tags and the manifests only they reach, then
prove every kept tag still resolves on every platform.

Per repository: ``survey`` reads every tag, the manifests each reaches and its age (the
``created`` of its release record, ``bake.publish.release_record``); ``bake.publish.prune_plan`` decides;
``apply`` deletes; ``check_kept`` reads back every kept tag and each manifest its index
names, and any that is missing stops the run with an error (exit 1).

How a tag is deleted. The registry API deletes manifests by digest only, and every tag at
that digest goes with it (distribution 2.x has no tag delete). A doomed tag whose digest
no kept tag reaches is deleted with its manifest. A doomed tag that shares its digest with
something kept (``sha-abc`` and ``1.2.0`` on one index) is first moved onto a tombstone
(an empty index, unique to that tag) and the tombstone's digest is deleted: the tag goes,
the kept index stays. On GHCR the same deletes go through the GitHub Packages API
(``bake.publish.ghcr``): a manifest is a package version, deleted by its id.
"""

from __future__ import annotations

import datetime
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from bake.core.errors import ConfigError, PipelineError
from bake.model.retention import Retention
from bake.publish import ghcr, registry, release_record
from bake.publish.prune_plan import ATTACHED, PrunePlan, TagState, plan_prune, render_plan

__all__ = ["Options", "check_kept", "prune", "split_prune_options", "survey"]

INDEX_TYPE = "application/vnd.oci.image.index.v1+json"
Deleter = Callable[[str], bool]  # digest → deleted (False: was not there)


@dataclass(frozen=True, kw_only=True)
class Options:
    """``prune``'s own arguments."""

    dry_run: bool = False
    keep_digests: tuple[str, ...] = ()


def split_prune_options(posargs: Sequence[str]) -> tuple[Options, list[str]]:
    """``--dry-run`` and ``--keep-digest D`` (repeatable) out of the posargs."""
    dry_run, keep, rest = False, [], []
    args = iter(posargs)
    for arg in args:
        name, eq, value = arg.partition("=")
        if arg == "--dry-run":
            dry_run = True
        elif name == "--keep-digest":
            value = value if eq else next(args, "")
            if not value.startswith("sha256:"):
                raise ConfigError("arguments", "--keep-digest", "expected a sha256:… digest")
            keep.append(value)
        else:
            rest.append(arg)
    return Options(dry_run=dry_run, keep_digests=tuple(keep)), rest


def _children(manifest: registry.Manifest) -> list[str]:
    """The manifests an index names (image and attestation manifests alike)."""
    data = manifest.json()
    found = data.get("manifests")
    return (
        [str(d["digest"]) for d in found if isinstance(d, dict)] if isinstance(found, list) else []
    )


def _created(
    client: registry.Client, repo: str, digest: str, tags: Sequence[str]
) -> datetime.datetime | None:
    """When the index ``digest`` was released: its release record's ``created``."""
    if release_record.record_tag(digest) not in tags:
        return None
    record = client.get_manifest(repo, release_record.record_tag(digest))
    annotations = (record.json().get("annotations") or {}) if record else {}
    text = str(annotations.get(release_record.CREATED, "")) if isinstance(annotations, dict) else ""
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def survey(client: registry.Client, repo: str) -> tuple[list[TagState], dict[str, list[str]]]:
    """Every tag with its digest and age, and each reachable index's children."""
    names = client.list_tags(repo)
    states, children = [], {}
    ages: dict[str, datetime.datetime | None] = {}
    for tag in names:
        manifest = client.get_manifest(repo, tag)
        if manifest is None:
            continue  # deleted since the listing
        children[manifest.digest] = _children(manifest)
        for child in children[manifest.digest]:
            found = client.get_manifest(repo, child) if child not in children else None
            if found is not None:
                children[child] = _children(found)
        if not ATTACHED.match(tag) and manifest.digest not in ages:
            ages[manifest.digest] = _created(client, repo, manifest.digest, names)
        states.append(TagState(tag, manifest.digest, ages.get(manifest.digest)))
    return states, children


def _untag(client: registry.Client, repo: str, tag: str, delete: Deleter) -> None:
    """Move ``tag`` onto a tombstone of its own, then delete the tombstone (see above)."""
    body = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": INDEX_TYPE,
            "manifests": [],
            "annotations": {"com.neko-bake.tombstone": tag},
        },
        separators=(",", ":"),
    ).encode()
    digest = client.put_manifest(repo, tag, body, INDEX_TYPE)
    delete(digest)


def apply(client: registry.Client, repo: str, plan: PrunePlan, delete: Deleter) -> list[str]:
    """Delete the plan's tags, then its manifests; one line per deletion."""
    done = []
    for decision in plan.doomed_tags:
        if decision.alone:
            _untag(client, repo, decision.tag, delete)
            done.append(f"  untagged {decision.tag} (its digest {decision.digest[:19]} stays)")
    for digest in plan.manifests:
        gone = delete(digest)
        done.append(f"  deleted  manifest {digest}" + ("" if gone else " (already gone)"))
    return done


def check_kept(client: registry.Client, repo: str, plan: PrunePlan) -> list[str]:
    """Every kept tag resolves, and so does every manifest its index names."""
    problems = []
    for decision in (d for d in plan.decisions if d.keep):
        manifest = client.get_manifest(repo, decision.tag)
        if manifest is None:
            problems.append(f"{plan.repository}:{decision.tag} is gone")
            continue
        for child in _children(manifest):
            if client.get_manifest(repo, child) is None:
                problems.append(f"{plan.repository}:{decision.tag}: manifest {child} is missing")
    return problems


def _deleter(client: registry.Client, repository: str, env: Mapping[str, str]) -> Deleter:
    if client.host == ghcr.HOST:
        return ghcr.Packages.for_repository(repository, env).delete_digest
    return lambda digest: client.delete_manifest(registry.split_repository(repository)[1], digest)


def prune_repository(
    repository: str,
    retention: Retention,
    options: Options,
    release_tags: Sequence[str],
    env: Mapping[str, str],
    show: Callable[[str], None],
) -> PrunePlan:
    """Survey, plan, show the plan; unless a dry run, delete and check the kept tags."""
    registry_host, repo = registry.split_repository(repository)
    client = registry.client_for(registry_host)
    states, children = survey(client, repo)
    plan = plan_prune(
        repository,
        states,
        children,
        retention,
        release_tags=release_tags,
        keep_digests=options.keep_digests,
    )
    show(render_plan(plan) + ("\n  (dry run: nothing deleted)" if options.dry_run else ""))
    if options.dry_run:
        return plan
    show(
        "\n".join(apply(client, repo, plan, _deleter(client, repository, env)))
        or "  nothing to delete"
    )
    problems = check_kept(client, repo, plan)
    if problems:
        raise PipelineError(
            f"prune {repository}: {len(problems)} kept refs do not resolve after deleting:\n  "
            + "\n  ".join(problems)
        )
    show(f"  checked: {sum(d.keep for d in plan.decisions)} kept tags resolve on every platform")
    return plan


def prune(
    repositories: Sequence[str],
    retention: Retention,
    options: Options,
    release_tags: Sequence[str],
    env: Mapping[str, str],
) -> list[PrunePlan]:
    """Prune every repository in turn (output on stdout)."""

    def show(text: str) -> None:
        print(text, flush=True)

    plans = [prune_repository(r, retention, options, release_tags, env, show) for r in repositories]
    print(
        f"prune: {len(plans)} repositories {'planned' if options.dry_run else 'pruned'}",
        file=sys.stderr,
    )
    return plans
