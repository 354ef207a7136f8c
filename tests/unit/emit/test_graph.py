"""The family graph (Mermaid, DOT) and the README/docs blocks that `generate` keeps current."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bake.emit import graph
from bake.front import cli
from bake.model.family import load_family
from tests.ci import require_tool

ROOT = Path(__file__).resolve().parents[3]
ADOPT = ROOT / "tests/fixtures/adopt"


def test_mermaid_has_a_node_per_image_and_an_edge_per_parent() -> None:
    family = load_family(ADOPT / "family.yaml")
    text = graph.render_mermaid(family)
    assert text.startswith("flowchart TD\n")
    assert '  n0[("base<br/>base · amd64, arm64, arm/v7")]' in text
    assert '  n2["shout<br/>app · amd64, arm64"]' in text
    assert '  n4(["turbo-shout<br/>accelerator · amd64"])' in text
    edges = [line.strip() for line in text.splitlines() if "-->" in line]
    assert edges == ["n0 --> n1", "n1 --> n2", "n1 --> n3", "n2 --> n4"]


def test_dot_is_valid_graphviz() -> None:
    text = graph.render_dot(load_family(ADOPT / "family.yaml"))
    assert '"hello" -> "shout";' in text and text.rstrip().endswith("}")
    require_tool("dot")  # graphviz; a skip, or under CI a failure
    subprocess.run(["dot", "-Tsvg"], input=text, text=True, check=True, capture_output=True)


def test_generate_and_check_keep_the_readme_block_current(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ADOPT, tmp_path, dirs_exist_ok=True)
    readme = tmp_path / "README.md"
    readme.write_text(f"# Us\n\n{graph.README_BEGIN}\nold\n{graph.README_END}\n\nmore\n")
    config = ["--config", str(tmp_path / "family.yaml")]
    assert cli.main([*config, "check"]) == 1
    assert "README.md is stale" in capsys.readouterr().err
    assert cli.main([*config, "generate"]) == 0
    text = readme.read_text()
    assert text.startswith(f"# Us\n\n{graph.README_BEGIN}\n```mermaid\nflowchart TD\n")
    assert text.endswith(f"```\n{graph.README_END}\n\nmore\n") and "old" not in text
    assert cli.main([*config, "check"]) == 0
    assert cli.main([*config, "graph"]) == 0
    assert capsys.readouterr().out.endswith(
        graph.render_mermaid(load_family(tmp_path / "family.yaml"))
    )


def test_a_readme_without_markers_is_left_alone(tmp_path: Path) -> None:
    shutil.copytree(ADOPT, tmp_path, dirs_exist_ok=True)
    (tmp_path / "README.md").write_text("# Us\n")
    assert cli.main(["--config", str(tmp_path / "family.yaml"), "generate"]) == 0
    assert (tmp_path / "README.md").read_text() == "# Us\n"


def test_the_docs_tables_come_from_their_one_source() -> None:
    from bake.model import platforms, schema

    family_file = (ROOT / "docs/family-file.md").read_text()
    table = f"{graph.SCHEMA_BEGIN}\n{schema.render_markdown_table()}{graph.SCHEMA_END}"
    assert table in family_file
    platform_page = (ROOT / "docs/platforms.md").read_text()
    assert f"{graph.PLATFORMS_BEGIN}\n{platforms.render_markdown_table()}" in platform_page
    readme = (ROOT / "README.md").read_text()
    assert graph.README_BEGIN in readme
    assert graph.SCHEMA_BEGIN not in readme and graph.PLATFORMS_BEGIN not in readme


def test_generate_and_check_keep_the_docs_pages_current(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ADOPT, tmp_path, dirs_exist_ok=True)
    (tmp_path / "docs").mkdir()
    page = tmp_path / "docs/platforms.md"
    page.write_text(f"# P\n\n{graph.PLATFORMS_BEGIN}\nold\n{graph.PLATFORMS_END}\n")
    (tmp_path / "docs/family-file.md").write_text("# no markers here\n")
    config = ["--config", str(tmp_path / "family.yaml")]
    assert cli.main([*config, "check"]) == 1
    assert "platforms.md is stale" in capsys.readouterr().err
    assert cli.main([*config, "generate"]) == 0
    assert "\nold\n" not in page.read_text() and "| `linux/arm64` |" in page.read_text()
    assert (tmp_path / "docs/family-file.md").read_text() == "# no markers here\n"
    assert cli.main([*config, "check"]) == 0


def test_a_readme_may_still_carry_every_block(tmp_path: Path) -> None:
    """An adopter's README with the schema or platform markers (no docs/ pages) keeps
    getting them renewed, as before the tables moved to docs/."""
    shutil.copytree(ADOPT, tmp_path, dirs_exist_ok=True)
    readme = tmp_path / "README.md"
    readme.write_text(f"# Us\n{graph.SCHEMA_BEGIN}\nold\n{graph.SCHEMA_END}\n")
    assert cli.main(["--config", str(tmp_path / "family.yaml"), "generate"]) == 0
    assert "\nold\n" not in readme.read_text() and "| `registry` |" in readme.read_text()
    assert not (tmp_path / "docs").exists()
