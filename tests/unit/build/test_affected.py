"""``python -m bake affected`` on real git repositories: a fixture family is committed in a
temporary folder, one thing changes, and the affected set must be exactly what the change
reaches: its own images and every image built on them, down the chain.

The feature-rich fixture (tests/fixtures/emit) gives the shapes that matter: firefox has
accelerator variants and an app built on it (kiosk → nvidia-kiosk, intel-kiosk); the
nvidia variant of firefox has its own Dockerfile in firefox's folder, the others are built
from packages (no Dockerfile); kiosk is built from packages plus a files folder; media
opts out of nvidia.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from bake.build import affected, pipeline
from bake.core import run
from bake.core.docker import Docker
from bake.core.errors import ConfigError
from bake.front import actions, cli, sessions, verbs
from bake.model.family import load_family
from bake.publish.registries import Registries
from tests import workflow

HERE = Path(__file__).parents[2]
EMIT = HERE / "fixtures" / "emit"
TINY = HERE / "fixtures" / "tiny"
EVERYTHING = [
    "base",
    "firefox",
    "kiosk",
    "editor",
    "media",
    "nvidia-firefox",
    "nvidia-kiosk",
    "nvidia-editor",
    "intel-firefox",
    "intel-kiosk",
    "intel-editor",
    "intel-media",
]
INTEL = ["intel-firefox", "intel-kiosk", "intel-editor", "intel-media"]
KIOSK_DOWN = ["kiosk", "nvidia-kiosk", "intel-kiosk"]
FIREFOX_DOWN = [
    "firefox",
    "kiosk",
    "nvidia-firefox",
    "nvidia-kiosk",
    "intel-firefox",
    "intel-kiosk",
]
FILES = {
    "dockerfiles/base/Dockerfile": "FROM debian:bookworm-slim\n",
    "dockerfiles/apps/firefox/Dockerfile": "FROM base\n",
    "dockerfiles/apps/firefox/nvidia.Dockerfile": "FROM app\n",
    "dockerfiles/apps/firefox/policies.json": "{}\n",
    "dockerfiles/apps/media/Dockerfile": "FROM base\nCOPY media.conf /etc/\n",
    "dockerfiles/apps/media/media.conf": "volume=11\n",
    "dockerfiles/accelerators/intel/Dockerfile": "FROM app\n",
    "README.md": "# desk\n",
    "docs/guide.md": "how to\n",
    "bake/__init__.py": "",
}
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
    ).stdout


def make_repo(root: Path, fixture: Path, files: dict[str, str], folder: str = "") -> Path:
    """A git repository holding the ``fixture`` folder and ``files`` (under ``folder``)."""
    home = root / folder
    shutil.copytree(fixture, home, dirs_exist_ok=True)
    for name, text in files.items():
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return home


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path, EMIT, FILES)


def affected_by(home: Path, since: str = "HEAD") -> list[str]:
    config = home / "family.yaml"
    return list(affected.since(load_family(config), config, since).images)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def test_nothing_changed_affects_nothing(repo: Path) -> None:
    assert affected_by(repo) == []


def test_base_dockerfile_affects_everything(repo: Path) -> None:
    (repo / "dockerfiles/base/Dockerfile").write_text("FROM debian:bookworm-slim\nRUN true\n")
    assert affected_by(repo) == EVERYTHING


def test_a_context_file_affects_its_app_and_what_is_built_on_it(repo: Path) -> None:
    (repo / "dockerfiles/apps/media/media.conf").write_text("volume=1\n")
    assert affected_by(repo) == ["media", "intel-media"]


def test_an_app_dockerfile_affects_its_variants_and_child_apps(repo: Path) -> None:
    (repo / "dockerfiles/apps/firefox/Dockerfile").write_text("FROM base\nRUN true\n")
    assert affected_by(repo) == FIREFOX_DOWN


def test_an_accelerator_dockerfile_affects_the_variants_that_use_it(repo: Path) -> None:
    (repo / "dockerfiles/accelerators/intel/Dockerfile").write_text("FROM app\nRUN true\n")
    assert affected_by(repo) == INTEL


def test_an_accelerators_packages_affect_the_variants_built_from_them(repo: Path) -> None:
    # firefox's nvidia variant has its own Dockerfile: only the others use the packages.
    edit(repo / "family.yaml", "packages: [libglvnd0, libegl1]", "packages: [libglvnd0]")
    assert affected_by(repo) == ["nvidia-kiosk", "nvidia-editor"]


def test_an_apps_files_folder_affects_it_and_its_children(repo: Path) -> None:
    (repo / "files/kiosk/etc/firefox/kiosk.json").write_text('{"url": "x"}\n')
    assert affected_by(repo) == KIOSK_DOWN


def test_an_app_override_dockerfile_is_in_its_apps_context(repo: Path) -> None:
    (repo / "dockerfiles/apps/firefox/nvidia.Dockerfile").write_text("FROM app\nRUN true\n")
    assert affected_by(repo) == FIREFOX_DOWN  # firefox's context holds it too


def test_an_app_entrys_tests_affect_it_and_every_image_inheriting_them(repo: Path) -> None:
    edit(repo / "family.yaml", "expect: Firefox\n", "expect: Firefox ESR\n")
    assert affected_by(repo) == FIREFOX_DOWN


def test_inherited_values_count_accelerator_and_base_entries(repo: Path) -> None:
    edit(repo / "family.yaml", "expect: all\n", "expect: ^all$\n")  # the nvidia tests
    assert affected_by(repo) == ["nvidia-firefox", "nvidia-kiosk", "nvidia-editor"]
    edit(repo / "family.yaml", 'LOCALE: "C.UTF-8"', 'LOCALE: "de_DE.UTF-8"')  # base args
    assert affected_by(repo) == EVERYTHING


def test_a_platform_change_affects_the_app_and_its_children(repo: Path) -> None:
    edit(
        repo / "family.yaml",
        "platforms: [linux/amd64, linux/arm64]\n    packages: [xdotool]",
        "platforms: [linux/amd64]\n    packages: [xdotool]",
    )
    assert affected_by(repo) == KIOSK_DOWN


def test_a_top_level_key_affects_everything(repo: Path) -> None:
    edit(repo / "family.yaml", "tags: [latest, edge]", "tags: [latest]")
    found = affected.since(load_family(repo / "family.yaml"), repo / "family.yaml", "HEAD")
    assert list(found.images) == EVERYTHING
    assert found.everything == "the top-level key 'tags' of family.yaml changed"


def test_readme_docs_and_layout_of_the_family_file_affect_nothing(repo: Path) -> None:
    (repo / "README.md").write_text("# desk, documented\n")
    (repo / "docs/guide.md").write_text("how to, better\n")
    (repo / "docker-bake.hcl").write_text("# generated\n")
    family = repo / "family.yaml"
    family.write_text("# a comment and a blank line change nothing\n\n" + family.read_text())
    assert affected_by(repo) == []


def test_the_build_system_affects_everything(repo: Path) -> None:
    (repo / "bake/__init__.py").write_text('"""bake"""\n')
    assert affected_by(repo) == EVERYTHING


def test_a_renamed_file_affects_both_its_old_and_new_place(repo: Path) -> None:
    git(repo, "mv", "dockerfiles/apps/media/media.conf", "files/kiosk/media.conf")
    found = affected.since(load_family(repo / "family.yaml"), repo / "family.yaml", "HEAD")
    assert list(found.images) == ["kiosk", "media", "nvidia-kiosk", "intel-kiosk", "intel-media"]
    rename = "dockerfiles/apps/media/media.conf renamed to files/kiosk/media.conf"
    assert found.reasons["media"] == found.reasons["kiosk"] == rename
    assert found.reasons["nvidia-kiosk"] == "built on kiosk"


def test_an_untracked_file_in_a_context_counts(repo: Path) -> None:
    (repo / "files/kiosk/new.txt").write_text("new\n")
    assert affected_by(repo) == KIOSK_DOWN
    (repo / "dockerfiles/apps/editor.txt").write_text("no image is built from this\n")
    assert affected_by(repo) == KIOSK_DOWN  # editor: packages only, no folder of its own


def test_a_deleted_app_leaves_nothing_to_build(repo: Path) -> None:
    family = repo / "family.yaml"
    text = family.read_text()
    start, end = text.index("  media:\n"), text.index("\naccelerators:")
    family.write_text(text[:start] + text[end + 1 :])
    shutil.rmtree(repo / "dockerfiles/apps/media")
    assert affected_by(repo) == []


def test_a_renamed_app_is_new_under_its_new_name(repo: Path) -> None:
    git(repo, "mv", "dockerfiles/apps/media", "dockerfiles/apps/player")
    edit(repo / "family.yaml", "  media:\n", "  player:\n")
    found = affected.since(load_family(repo / "family.yaml"), repo / "family.yaml", "HEAD")
    assert list(found.images) == ["player", "intel-player"]
    assert found.reasons["player"].startswith("dockerfiles/apps/media/")  # renamed to player/


def test_a_new_app_is_affected(repo: Path) -> None:
    (repo / "dockerfiles/apps/mail").mkdir(parents=True)  # a family's Dockerfiles must exist
    (repo / "dockerfiles/apps/mail/Dockerfile").write_text("FROM base\n")
    edit(repo / "family.yaml", "\naccelerators:", "  mail:\n    description: Mail\n\naccelerators:")
    assert affected_by(repo) == ["mail", "nvidia-mail", "intel-mail"]


def test_an_invalid_or_missing_family_at_the_revision_affects_everything(repo: Path) -> None:
    family = repo / "family.yaml"
    good = family.read_text()
    family.write_text(good.replace("base:\n", "base:\n  nonsense: 1\n", 1))
    git(repo, "commit", "-qam", "break it")
    family.write_text(good)
    found = affected.since(load_family(family), family, "HEAD")
    assert list(found.images) == EVERYTHING and "not a valid family" in (found.everything or "")


def test_a_family_file_new_since_the_revision_affects_everything(repo: Path) -> None:
    git(repo, "rm", "-q", "--cached", "family.yaml")
    git(repo, "commit", "-qm", "family.yaml untracked")
    found = affected.since(load_family(repo / "family.yaml"), repo / "family.yaml", "HEAD")
    assert list(found.images) == EVERYTHING
    assert found.everything == "family.yaml did not exist at HEAD"


def test_a_family_in_a_subfolder_of_the_repository(tmp_path: Path) -> None:
    home = make_repo(tmp_path, EMIT, FILES, folder="images")
    (tmp_path / "README.md").write_text("top readme\n")
    (home / "dockerfiles/apps/media/media.conf").write_text("volume=1\n")
    assert affected_by(home) == ["media", "intel-media"]
    (tmp_path / "noxfile.py").write_text("# a build-system file at the repository's top\n")
    assert affected_by(home) == EVERYTHING


def test_since_an_older_commit_sums_the_commits_and_the_working_tree(repo: Path) -> None:
    (repo / "dockerfiles/apps/media/media.conf").write_text("volume=1\n")
    git(repo, "commit", "-qam", "media")
    (repo / "dockerfiles/accelerators/intel/Dockerfile").write_text("FROM app\nRUN true\n")
    assert affected_by(repo, "HEAD~1") == ["media", *INTEL]
    assert affected_by(repo, "HEAD") == INTEL


def test_parse_name_status_keeps_both_paths_of_a_rename() -> None:
    text = "M\0a/b\0R087\0old/x\0new/x\0D\0gone\0"
    assert affected.parse_name_status(text) == (
        affected.Change("M", "a/b"),
        affected.Change("R", "new/x", "old/x"),
        affected.Change("D", "gone"),
    )


# --- the CLI and the sessions ---------------------------------------------------------


def test_cli_prints_images_with_reasons_or_json(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ["--config", str(repo / "family.yaml")]
    assert cli.main([*config, "affected", "--since", "HEAD", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    (repo / "dockerfiles/apps/media/media.conf").write_text("volume=1\n")
    assert cli.main([*config, "affected", "--since", "HEAD"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "media        dockerfiles/apps/media/media.conf changed",
        "intel-media  built on media",
    ]
    assert cli.main([*config, "affected", "intel", "--since", "HEAD", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == ["intel-media"]
    assert cli.main([*config, "matrix", "--since", "HEAD", "--compact"]) == 0
    targets = [row["target"] for row in json.loads(capsys.readouterr().out)["include"]]
    assert targets == ["media", "intel-media"]


def test_cli_bad_revision_is_one_line_and_exit_2(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--config", str(repo / "family.yaml"), "affected", "--since", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("--since: error: 'nope' is not a commit") and len(err.splitlines()) == 1


@pytest.fixture
def tiny_repo(tmp_path: Path) -> Path:
    shutil.copytree(TINY, tmp_path / "tiny")
    home = tmp_path / "tiny"
    git(home, "init", "-q", "-b", "main")
    git(home, "add", "-A")
    git(home, "commit", "-q", "-m", "tiny")
    return home


def test_sessions_take_since_and_build_only_the_affected_images(tiny_repo: Path) -> None:
    seen: list[pipeline.Plan] = []
    table = tuple(
        dataclasses.replace(v, run=lambda r: seen.append(r.plan)) if v.name == "test" else v
        for v in verbs.VERBS
    )
    seams = sessions.Seams(run_action=functools.partial(actions.run_action, verbs=table))
    (tiny_repo / "dockerfiles/apps/hello/tiny-hello").write_text("#!/bin/sh\necho hi\n")
    specs = sessions.catalogue(tiny_repo / "family.yaml", seams=seams)
    spec = sessions.by_name(specs, "test-all")
    spec.action(["--since", "HEAD", "TAG=dev", "--no-cache"])
    (plan,) = seen
    assert [i.name for i in plan.images] == ["hello", "turbo-hello"]
    assert plan.variables.TAG == "dev" and plan.options.buildx_args == ("--no-cache",)
    attestations = pipeline.sbom.Attestations(sbom_generator=None)
    command = pipeline.bake_command(plan, attestations, tiny_repo)
    assert command[5:8] == ["hello", "turbo-hello", "--set"]  # not the group "all"


def test_take_since() -> None:
    assert sessions.take_since(["--since", "main", "X=1"]) == ("main", ("X=1",))
    assert sessions.take_since(["--since=v1", "--pull"]) == ("v1", ("--pull",))
    assert sessions.take_since(["--pull"]) == (None, ("--pull",))


def test_an_empty_selection_builds_nothing_and_passes(
    tiny_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real_run = run.run

    def git_only(cmd: list[str], **kwargs: Any) -> Any:
        assert cmd[0] == "git", f"nothing but git may run when nothing is affected: {cmd}"
        return real_run(cmd, **kwargs)

    def no_check(*args: object) -> None:
        raise AssertionError("no host check either")

    seams = sessions.Seams(docker=Docker(run=git_only), registries=Registries(check=no_check))
    (tiny_repo / "README.md").write_text("docs only\n")
    specs = sessions.catalogue(tiny_repo / "family.yaml", seams=seams)
    for action in ("build", "test", "push", "refresh"):
        sessions.by_name(specs, f"{action}-all").action(["--since", "HEAD"])
    digests = tiny_repo / "digests"
    for action in ("stage", "merge"):
        sessions.by_name(specs, f"{action}-all").action(
            ["--since", "HEAD", "--digests", str(digests)]
        )
    err = capsys.readouterr().err
    for action in ("build", "test", "push", "stage", "merge"):
        assert f"{action}: no image of 'all' to {action}; nothing to do" in err
    assert not digests.exists()  # no records: the plan's merge expects none either


# --- the CI plan and the pull-request workflow -------------------------------------------

WORKFLOW = HERE.parent / ".github" / "workflows" / "images.yml"


def ci_plan(home: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    capsys.readouterr()
    assert cli.main(["--config", str(home / "family.yaml"), "plan", *args, "--json"]) == 0
    plan: dict[str, Any] = json.loads(capsys.readouterr().out)
    return plan


def test_plan_since_plans_only_the_affected_images(
    tiny_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    full = ci_plan(tiny_repo, capsys)
    assert full["empty"] is False and [i["name"] for i in full["images"]] == [
        "base",
        "hello",
        "turbo-hello",
    ]
    (tiny_repo / "dockerfiles/accelerators/turbo/turbo.conf").write_text("turbo=max\n")
    plan = ci_plan(tiny_repo, capsys, "--since", "HEAD")
    assert [i["name"] for i in plan["images"]] == ["turbo-hello"]
    jobs = plan["matrix"]["include"]
    assert [(job["platform"], job["targets"]) for job in jobs] == [
        ("linux/amd64", ["turbo-hello"]),
        ("linux/arm64", ["turbo-hello"]),
    ]
    per_image = ci_plan(tiny_repo, capsys, "--since", "HEAD", "--per-image")
    assert {job["selection"] for job in per_image["matrix"]["include"]} == {"turbo-hello"}


def test_pull_request_with_nothing_affected_skips_the_build_jobs_and_passes(
    tiny_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = workflow.load(WORKFLOW)
    github = {"event_name": "pull_request", "ref": "refs/pull/7/merge", "sha": "0" * 40}
    ctx: dict[str, Any] = {"github": github, "inputs": {}, "vars": {}, "secrets": {}}
    plan_step = next(s for s in flow["jobs"]["plan"]["steps"] if s.get("id") == "plan")
    assert workflow.interpolate(plan_step["env"]["SINCE"], ctx) == "HEAD^1"
    assert workflow.interpolate(flow["jobs"]["build"]["env"]["SINCE"], ctx) == "HEAD^1"
    assert workflow.condition(flow["jobs"]["plan"].get("if"), ctx)
    build = flow["jobs"]["build"]
    (tiny_repo / "README.md").write_text("docs only\n")
    empty = ci_plan(tiny_repo, capsys, "--since", "HEAD", "--compact")
    assert empty["empty"] is True and empty["matrix"] == {"include": []}
    needs = {"plan": {"result": "success", "outputs": {"plan": json.dumps(empty)}}}
    assert not workflow.condition(build["if"], {**ctx, "needs": needs})
    merge = flow["jobs"]["merge"]  # pull requests never merge; skipped jobs pass
    assert not workflow.condition(
        merge["if"], {**ctx, "needs": {**needs, "build": {"result": "skipped"}}}
    )
    (tiny_repo / "dockerfiles/apps/hello/tiny-hello").write_text("#!/bin/sh\necho hi\n")
    some = ci_plan(tiny_repo, capsys, "--since", "HEAD")
    needs["plan"]["outputs"]["plan"] = json.dumps(some)
    assert workflow.condition(build["if"], {**ctx, "needs": needs})
    push = {**ctx, "github": {**github, "event_name": "push", "ref": "refs/heads/main"}}
    assert (
        workflow.interpolate(flow["jobs"]["build"]["env"]["SINCE"], push) == ""
    )  # pushes build everything


@pytest.mark.parametrize("hand_checked", [False, True], ids=["data filter", "Python 3.11.2"])
def test_an_archive_member_leaving_the_tree_is_refused(tmp_path: Path, hand_checked: bool) -> None:
    """Debian 12's Python 3.11.2 has no tarfile "data" filter: the same rules by hand."""
    has_filter = hasattr(tarfile, "data_filter") and not hand_checked
    archive = tmp_path / "tree.tar"
    with tarfile.open(archive, "w") as tar:
        good = tarfile.TarInfo("family/family.yaml")
        tar.addfile(good, io.BytesIO(b""))
        evil = tarfile.TarInfo("family/../../evil")
        tar.addfile(evil, io.BytesIO(b""))
    with (
        tarfile.open(archive) as tar,
        pytest.raises((ConfigError, getattr(tarfile, "FilterError", ConfigError))),
    ):
        affected._extract(tar, tmp_path / "out", has_filter)
    assert not (tmp_path / "evil").exists()
    with tarfile.open(archive, "w") as tar:
        tar.addfile(good, io.BytesIO(b""))
    with tarfile.open(archive) as tar:
        affected._extract(tar, tmp_path / "ok", has_filter)
    assert (tmp_path / "ok" / "family" / "family.yaml").is_file()
