"""The verbs' one table: the CLI, the nox sessions and the docs table all read it."""

from __future__ import annotations

import argparse
import dataclasses
import shutil
from pathlib import Path

import pytest

from bake.emit.generated import expected_files, stale_files, write_files
from bake.front import actions, cli, sessions, verbs
from bake.front.verbs import VERBS, Action
from bake.model.family import load_family

TINY = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "tiny" / "family.yaml"


class _Planted(verbs.Verb):
    """A row for a verb the enum does not have yet (as a new one would be added)."""

    @property
    def name(self) -> str:
        return "polish"


PLANTED = _Planted(
    Action.BUILD,  # the name above is what the front doors use
    "Polish {what} on {platforms} until it shines",
    lambda request: None,
    tags=("shiny",),
)


def _cli_verbs(parser: argparse.ArgumentParser) -> dict[str, str]:
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {a.dest: a.help or "" for a in sub._choices_actions}


def test_every_action_has_one_row() -> None:
    assert [verb.action for verb in VERBS] == list(Action)
    assert actions.ACTIONS == tuple(a.value for a in Action)
    assert [v.name for v in VERBS if v.digests] == ["stage", "merge"]


def test_cli_sessions_and_markdown_read_the_table() -> None:
    helps = _cli_verbs(cli._parser())
    specs = {spec.name: spec for spec in sessions.catalogue(TINY)}
    markdown = verbs.render_markdown()
    for verb in VERBS:
        assert helps[verb.name] == verb.help
        assert specs[f"{verb.name}-turbo-hello"].description == verb.describe(
            "turbo-hello (accelerator)", "linux/amd64, linux/arm64"
        )
        assert specs[f"{verb.name}-turbo-hello"].tags[0] == verb.name
        assert f"`python -m bake {verb.name} SELECTION`" in markdown and verb.help in markdown


def test_a_planted_row_shows_up_in_all_three() -> None:
    table = (*VERBS, PLANTED)
    specs = sessions.catalogue(TINY, seams=sessions.Seams(verbs=table))
    spec = sessions.by_name(specs, "polish-turbo-hello")
    assert (
        spec.description
        == "Polish turbo-hello (accelerator) on linux/amd64, linux/arm64 until it shines"
    )
    assert spec.tags[:2] == ("polish", "shiny")
    assert "`python -m bake polish SELECTION`" in verbs.render_markdown(table)
    helps = _cli_verbs(cli._parser(table=table))
    assert helps["polish"] == "polish a target or group on its platforms until it shines"


def test_run_action_dispatches_through_the_table(tmp_path: Path) -> None:
    ran: list[verbs.Request] = []
    table = tuple(dataclasses.replace(v, run=ran.append) for v in VERBS)
    actions.run_action("stage", TINY, "turbo", ["--digests", str(tmp_path)], {}, table)
    assert ran[0].digests == tmp_path and [i.name for i in ran[0].plan.images] == ["turbo-hello"]
    with pytest.raises(Exception, match="stage needs --digests DIR"):
        actions.run_action("stage", TINY, "turbo", [], {}, table)
    with pytest.raises(Exception, match="only stage and merge take it, not build"):
        actions.run_action("build", TINY, "turbo", ["--digests", str(tmp_path)], {}, table)
    with pytest.raises(ValueError, match="unknown action"):
        actions.run_action("bogus", TINY, "turbo", [], {}, table)


def test_docs_cli_table_is_generated_from_the_table(tmp_path: Path) -> None:
    """docs/cli.md's verb table is the table's own rendering: ``generate`` writes it and
    ``check`` fails once a row of the table changes."""
    tmp_path = tmp_path / "family"
    shutil.copytree(TINY.parent, tmp_path)
    (tmp_path / "docs").mkdir()
    markers = f"{verbs.MARKDOWN_BEGIN}\n{verbs.MARKDOWN_END}\n"
    (tmp_path / "docs" / "cli.md").write_text(f"# CLI\n\n{markers}")
    family = load_family(tmp_path / "family.yaml")
    files = expected_files(family, tmp_path / "family.yaml", verbs.markdown_blocks())
    cli_md = files[tmp_path / "docs" / "cli.md"]
    assert verbs.render_markdown() in cli_md
    write_files(files)  # every generated file current: only the planted row may differ
    planted = (*verbs.VERBS, dataclasses.replace(verbs.VERBS[0], description="polish {what}"))
    stale = stale_files(
        expected_files(family, tmp_path / "family.yaml", verbs.markdown_blocks(planted))
    )
    assert list(stale) == [tmp_path / "docs" / "cli.md"]
