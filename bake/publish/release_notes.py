"""At release time, before any tag moves: each image's package changelog against what
its first tag holds now, a release record next to its new index (``bake.publish.release_record``),
and the changelogs written out (``bake.publish.changelog.write_changelogs``).

An index already at the first tag (released before, record and all) gets no new record;
every other new index gets one, so ``prune`` can age every tag by its record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from bake.publish import changelog, readback, registry, release_record
from bake.publish.changelog import Changelog
from bake.publish.tagmove import Target

__all__ = ["note_releases"]


def _previous(target: Target, clients: registry.ClientFor) -> registry.Manifest | None:
    """What the target's first tag holds before the tag phase (None: not published)."""
    registry_host, rest = registry.split_repository(target.refs[0])
    repo, _, tag = rest.rpartition(":")
    return clients(registry_host).get_manifest(repo, tag)


def note_release(
    target: Target, by: str, clients: registry.ClientFor = registry.client_for
) -> Changelog | None:
    """The target's changelog, its record uploaded to every repository; None: no release."""
    registry_host, repo = registry.split_repository(readback.repository_of(target.refs[0]))
    client = clients(registry_host)
    before = _previous(target, clients)
    if before is not None and before.digest == target.digest:
        return None  # already released, record and all
    index = registry.Manifest(target.body, target.media_type, target.digest)
    new = changelog.index_packages(client, repo, index.json())
    old = changelog.index_packages(client, repo, before.json()) if before else None
    notes = changelog.diff_indexes(target.image, new, old, before.digest if before else "")
    for repository in dict.fromkeys(readback.repository_of(ref) for ref in target.refs):
        where, path = registry.split_repository(repository)
        release_record.put_record(clients(where), path, index, notes, target.tested, by)
    return notes


def note_releases(
    targets: Sequence[Target],
    env: Mapping[str, str],
    show: Callable[[str], None],
    clients: registry.ClientFor = registry.client_for,
) -> list[Changelog]:
    """Every target's changelog and record; the changelogs shown and written out."""
    by = release_record.tested_by(env)
    notes = [n for n in (note_release(t, by, clients) for t in targets) if n is not None]
    for note in notes:
        show(changelog.render_markdown(note))
    changelog.write_changelogs(notes, env)
    return notes
