"""bake.publish.provenance: the SLSA v1 predicate of a merged index, locally and on GitHub."""

from __future__ import annotations

from bake.publish import provenance
from bake.publish.records import Record
from bake.publish.tagmove import Target

TARGET = Target(
    "hello", "sha256:" + "1" * 64, b"{}", "application/vnd.oci.image.index.v1+json", {}, ("r/x:t",)
)
RECORDS = (
    Record(
        image="hello",
        platform="linux/arm64",
        repository="r/hello",
        digest="sha256:" + "2" * 64,
        tested="sha256:" + "3" * 64,
    ),
)
GITHUB = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "me/neko",
    "GITHUB_REF": "refs/tags/v1.0.0",
    "GITHUB_WORKFLOW_REF": "me/neko/.github/workflows/images.yml@refs/tags/v1.0.0",
    "GITHUB_RUN_ID": "42",
    "GITHUB_RUN_ATTEMPT": "2",
    "GITHUB_EVENT_NAME": "push",
}


def test_the_stage_records_and_the_commit_are_its_dependencies() -> None:
    predicate = provenance.predicate(TARGET, RECORDS, {}, "abc123")
    definition = predicate["buildDefinition"]
    assert definition["buildType"] == provenance.BUILD_TYPE
    assert definition["externalParameters"] == {"image": "hello", "refs": ["r/x:t"]}
    assert definition["resolvedDependencies"] == [
        {"uri": "git", "digest": {"gitCommit": "abc123"}},
        {
            "name": "hello@linux/arm64",
            "uri": "r/hello@sha256:" + "2" * 64,
            "digest": {"sha256": "2" * 64},
            "annotations": {"platform": "linux/arm64", "tested": "sha256:" + "3" * 64},
        },
    ]
    assert predicate["runDetails"] == {
        "builder": {"id": provenance.LOCAL_BUILDER},
        "metadata": {},
    }


def test_on_github_the_workflow_run_is_the_builder() -> None:
    predicate = provenance.predicate(TARGET, RECORDS, GITHUB, "abc123")
    definition = predicate["buildDefinition"]
    assert definition["externalParameters"]["workflow"] == {
        "repository": "https://github.com/me/neko",
        "path": ".github/workflows/images.yml",
        "ref": "refs/tags/v1.0.0",
    }
    assert definition["internalParameters"] == {
        "github_event_name": "push",
        "github_run_id": "42",
        "github_run_attempt": "2",
    }
    assert definition["resolvedDependencies"][0] == {
        "uri": "git+https://github.com/me/neko@refs/tags/v1.0.0",
        "digest": {"gitCommit": "abc123"},
    }
    assert predicate["runDetails"] == {
        "builder": {
            "id": "https://github.com/me/neko/.github/workflows/images.yml@refs/tags/v1.0.0"
        },
        "metadata": {"invocationId": "https://github.com/me/neko/actions/runs/42/attempts/2"},
    }


def test_without_a_commit_there_is_no_source_dependency() -> None:
    predicate = provenance.predicate(TARGET, RECORDS, {}, "")
    assert [d["name"] for d in predicate["buildDefinition"]["resolvedDependencies"]] == [
        "hello@linux/arm64"
    ]
