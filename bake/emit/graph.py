"""A picture of the family: the image tree (tiers, parents, platforms per image) as
Mermaid (GitHub renders it in Markdown) and as Graphviz DOT. Pure text from the family.

``generate`` also keeps a Mermaid block current between ``README_BEGIN`` and
``README_END``, and the family-file schema table and the platform table between their
own markers, in the documents ``bake.emit.generated.DOCUMENTS`` names (only where both
markers are there); ``check`` reports any of them when it is stale.
"""

from __future__ import annotations

from bake.model import platforms
from bake.model.family import Family, Image, Tier
from bake.model.schema import render_markdown_table

__all__ = [
    "README_BEGIN",
    "README_END",
    "PLATFORMS_BEGIN",
    "PLATFORMS_END",
    "SCHEMA_BEGIN",
    "SCHEMA_END",
    "render_dot",
    "Block",
    "readme_blocks",
    "render_mermaid",
    "update_blocks",
    "update_readme",
]

README_BEGIN = "<!-- neko-bake graph: begin (python -m bake generate keeps this current) -->"
README_END = "<!-- neko-bake graph: end -->"
SCHEMA_BEGIN = "<!-- neko-bake schema: begin (python -m bake generate keeps this current) -->"
SCHEMA_END = "<!-- neko-bake schema: end -->"
PLATFORMS_BEGIN = "<!-- neko-bake platforms: begin (python -m bake generate keeps this current) -->"
PLATFORMS_END = "<!-- neko-bake platforms: end -->"
_SHAPES = {Tier.BASE: ("[(", ")]"), Tier.APP: ("[", "]"), Tier.ACCELERATOR: ("([", "])")}
_DOT_SHAPES = {Tier.BASE: "cylinder", Tier.APP: "box", Tier.ACCELERATOR: "box, style=rounded"}


def _platforms(image: Image) -> str:
    return ", ".join(p.removeprefix("linux/") for p in image.platforms)


def render_mermaid(family: Family) -> str:
    """A Mermaid flowchart: one node per image (shape by tier), an edge per parent."""
    ids = {image.name: f"n{index}" for index, image in enumerate(family.images)}
    lines = ["flowchart TD"]
    for image in family.images:
        opening, closing = _SHAPES[image.tier]
        label = f"{image.name}<br/>{image.tier} · {_platforms(image)}"
        lines.append(f'  {ids[image.name]}{opening}"{label}"{closing}')
    for image in family.images:
        if image.parent is not None:
            lines.append(f"  {ids[image.parent]} --> {ids[image.name]}")
    for tier in Tier:
        members = [ids[i.name] for i in family.images if i.tier == tier]
        if members:
            lines.append(f"  class {','.join(members)} {tier.value}")
    lines += [
        "  classDef base fill:#dbeafe,stroke:#1e40af",
        "  classDef app fill:#dcfce7,stroke:#166534",
        "  classDef accelerator fill:#fef3c7,stroke:#92400e",
    ]
    return "\n".join(lines) + "\n"


def render_dot(family: Family) -> str:
    """The same tree as a Graphviz digraph (``dot -Tsvg``)."""
    lines = ["digraph family {", "  rankdir=TB;", '  node [fontname="sans-serif"];']
    for image in family.images:
        label = f"{image.name}\\n{image.tier} · {_platforms(image)}"
        lines.append(f'  "{image.name}" [label="{label}", shape={_DOT_SHAPES[image.tier]}];')
    for image in family.images:
        if image.parent is not None:
            lines.append(f'  "{image.parent}" -> "{image.name}";')
    lines.append("}")
    return "\n".join(lines) + "\n"


Block = tuple[str, str, str]
"""(begin marker, end marker, what goes between them)."""


def readme_blocks(family: Family) -> tuple[Block, ...]:
    """Every generated block a document may carry: the family graph, the family-file schema
    table and the platform table, each between its own markers."""
    return (
        (README_BEGIN, README_END, f"```mermaid\n{render_mermaid(family)}```\n"),
        (SCHEMA_BEGIN, SCHEMA_END, render_markdown_table()),
        (PLATFORMS_BEGIN, PLATFORMS_END, platforms.render_markdown_table()),
    )


def update_blocks(text: str, blocks: tuple[Block, ...]) -> str | None:
    """``text`` with each block whose two markers it has renewed; None when it has none."""
    found = False
    for begin, end, content in blocks:
        start, stop = text.find(begin), text.find(end)
        if start < 0 or stop < start:
            continue
        found = True
        text = text[:start] + f"{begin}\n{content}" + text[stop:]
    return text if found else None


def update_readme(text: str, family: Family) -> str | None:
    """``text`` with the generated blocks between their markers renewed (the family graph,
    the family-file schema table, the platform table); None when it has no markers."""
    return update_blocks(text, readme_blocks(family))
