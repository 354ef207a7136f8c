"""prune's plan is a pure function: which tags stay, which go, which manifests go."""

from __future__ import annotations

import datetime
import hashlib

from bake.model.retention import Retention
from bake.publish.prune_plan import TagState, plan_prune, reachable, render_plan

NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)


def _d(name: str) -> str:
    return "sha256:" + hashlib.sha256(name.encode()).hexdigest()


def _sig(name: str) -> str:
    return _d(name).replace(":", "-") + ".sig"


def _at(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


# Index i1..i4, each with a platform image and an attestation; i1 and i3 share an image.
CHILDREN = {
    _d("i1"): [_d("m1"), _d("a1")],
    _d("i2"): [_d("m2"), _d("a2")],
    _d("i3"): [_d("m1"), _d("a3")],
    _d("i4"): [_d("m4"), _d("a4")],
}
TAGS = [
    TagState("sha-1111111", _d("i1"), _at(40)),
    TagState("sha-2222222", _d("i2"), _at(30)),
    TagState("sha-3333333", _d("i3"), _at(20)),
    TagState("sha-4444444", _d("i4"), _at(1)),
    TagState("1.2.0", _d("i2"), _at(30)),
    TagState("latest", _d("i4"), _at(1)),
    TagState("pr-7", _d("i1"), None),
    TagState(_sig("i3"), _d("s3"), None),
    TagState(_sig("i4"), _d("s4"), None),
]


def test_keeps_releases_the_newest_sha_and_what_they_reach() -> None:
    plan = plan_prune("r/x", TAGS[:6] + TAGS[7:], CHILDREN, Retention(keep_sha=1), now=NOW)
    fate = {d.tag: (d.keep, d.alone) for d in plan.decisions}
    assert fate["sha-4444444"] == (True, False) and fate["latest"][0] and fate["1.2.0"][0]
    assert fate["sha-2222222"] == (False, True)  # 1.2.0 keeps its index: untagged alone
    assert fate["sha-1111111"] == (False, False) and fate["sha-3333333"] == (False, False)
    assert fate[_sig("i3")] == (False, False)
    assert fate[_sig("i4")] == (True, False)
    # i1 and i3 go with their attestations, and their shared image m1; s3 (i3's signature)
    assert set(plan.manifests) == {_d(x) for x in ("i1", "a1", "m1", "i3", "a3", "s3")}
    assert plan.manifests.index(_d("i1")) < plan.manifests.index(_d("m1"))  # parents first


def test_a_shared_child_stays_while_a_kept_index_names_it() -> None:
    plan = plan_prune("r/x", TAGS[:6], CHILDREN, Retention(keep_sha=2), now=NOW)
    assert _d("i1") in plan.manifests and _d("m1") not in plan.manifests  # i3 is kept


def test_younger_than_keep_days_and_keep_digest_and_unmanaged_tags_stay() -> None:
    plan = plan_prune(
        "r/x",
        TAGS,
        CHILDREN,
        Retention(keep_sha=0, keep_days=25),
        now=NOW,
        keep_digests=[_d("i1")],
    )
    fate = {d.tag: d for d in plan.decisions}
    assert fate["sha-3333333"].keep and "younger than 25 days" in fate["sha-3333333"].reason
    assert not fate["sha-1111111"].keep and fate["sha-1111111"].alone  # --keep-digest i1
    assert fate["pr-7"].keep and "leaves it alone" in fate["pr-7"].reason
    assert _d("i1") not in plan.manifests and _d("m1") not in plan.manifests


def test_unknown_ages_count_as_oldest_and_the_table_says_why() -> None:
    tags = [TagState("sha-aaaaaaa", _d("i1"), None), TagState("sha-bbbbbbb", _d("i2"), _at(90))]
    plan = plan_prune("r/x", tags, CHILDREN, Retention(keep_sha=1), now=NOW)
    assert [d.tag for d in plan.decisions if d.keep] == ["sha-bbbbbbb"]
    table = render_plan(plan)
    assert "sha-aaaaaaa" in table and "unknown  delete  sha tag #2, beyond the newest 1" in table
    assert "90.0d" in table and "1 tags kept, 1 deleted, 3 manifests deleted" in table


def test_reachable_lists_parents_first_without_repeats() -> None:
    assert reachable([_d("i1"), _d("i3")], CHILDREN) == [
        _d("i1"),
        _d("i3"),
        _d("m1"),
        _d("a1"),
        _d("a3"),
    ]
