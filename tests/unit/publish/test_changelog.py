"""The release changelog: packages from an SPDX SBOM statement, the per-platform diff, its
Markdown, its short digest, and where it is written."""

from __future__ import annotations

from pathlib import Path

from bake.publish import changelog, inspection
from bake.publish.packagediff import PackageChanges


def _statement(*purls: str) -> dict[str, object]:
    return {
        "predicateType": "https://spdx.dev/Document",
        "predicate": {
            "packages": [
                {"name": "x", "externalRefs": [{"referenceType": "purl", "referenceLocator": p}]}
                for p in purls
            ]
            + [{"name": "no purl"}]
        },
    }


def test_sbom_packages_reads_deb_purls_only() -> None:
    statement = _statement(
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12",
        "pkg:deb/debian/bake-stub-app@2?arch=all",
        "pkg:pypi/requests@2.0",
    )
    assert changelog.sbom_packages(statement) == {
        "libc6:amd64": "2.36-9+deb12u4",
        "bake-stub-app:all": "2",
    }


def test_diff_per_platform_and_unknown_without_an_sbom() -> None:
    new = {"linux/amd64": {"a:all": "2", "b:all": "1"}, "linux/arm64": None}
    old = {"linux/amd64": {"a:all": "1", "c:all": "3"}, "linux/arm64": {"a:all": "1"}}
    notes = changelog.diff_indexes("app", new, old, "sha256:old")
    assert notes.changes["linux/amd64"] == PackageChanges(
        added=("b:all 1",), removed=("c:all 3",), upgraded=("a:all 1 → 2",)
    )
    assert notes.changes["linux/arm64"] is None and notes.changed
    first = changelog.diff_indexes("app", new, None, "")
    assert first.previous == "" and "First release" in changelog.render_markdown(first)


def test_markdown_and_digest_follow_the_list() -> None:
    same = {"linux/amd64": {"a:all": "1"}}
    moved = {"linux/amd64": {"a:all": "2"}}
    unchanged = changelog.diff_indexes("app", same, same, "sha256:old")
    upgraded = changelog.diff_indexes("app", moved, same, "sha256:old")
    text = changelog.render_markdown(upgraded)
    assert "**linux/amd64**" in text and "- `~ a:all 1 → 2`" in text and "sha256:old" in text
    assert "unchanged" in changelog.render_markdown(unchanged) and not unchanged.changed
    assert changelog.changes_digest(upgraded) != changelog.changes_digest(unchanged)
    assert changelog.changes_digest(upgraded).startswith("sha256:")
    assert len(changelog.changes_digest(upgraded)) == len("sha256:") + 16


def test_written_to_the_step_summary_and_the_changes_folder(tmp_path: Path) -> None:
    notes = changelog.diff_indexes(
        "app", {"linux/amd64": {"a:all": "2"}}, {"linux/amd64": {"a:all": "1"}}, "sha256:o"
    )
    env = {"GITHUB_STEP_SUMMARY": str(tmp_path / "s.md"), "BAKE_CHANGES_DIR": str(tmp_path / "c")}
    assert changelog.write_changelogs([notes], env) == [tmp_path / "c" / "CHANGES-app.md"]
    assert "a:all 1 → 2" in (tmp_path / "s.md").read_text()
    assert "a:all 1 → 2" in (tmp_path / "c" / "CHANGES-app.md").read_text()
    assert changelog.write_changelogs([notes], {}) == []  # no folder: the summary only


def test_inspect_takes_base_images_from_provenance_materials() -> None:
    statement = {
        "predicate": {
            "materials": [
                {"uri": "pkg:docker/127.0.0.1:5000/tools/sbom@abc", "digest": {"sha256": "1"}},
                {
                    "uri": "pkg:docker/debian@bookworm-slim?digest=sha256:2&platform=linux%2Famd64",
                    "digest": {"sha256": "2"},
                },
            ]
        }
    }
    assert inspection.base_images(statement) == ["debian:bookworm-slim@sha256:2"]
