"""The ``list`` and ``show`` listings: the family's targets and one image's facts, as
text or (``show --json``) as data."""

from __future__ import annotations

from collections.abc import Mapping

from bake.model import packages
from bake.model.family import Family, Image
from bake.model.naming import Variables, image_refs


def render_list(family: Family) -> str:
    """``list``: targets with tier, parent and platforms, then the groups."""
    rows = [("TARGET", "TIER", "PARENT", "PLATFORMS")]
    rows += [(i.name, str(i.tier), i.parent or "-", ",".join(i.platforms)) for i in family.images]
    widths = [max(len(row[c]) for row in rows) for c in range(3)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[3]
        for row in rows
    ]
    lines.append("")
    lines += [f"group {group.name}: {' '.join(group.targets)}" for group in family.groups]
    return "\n".join(lines)


def render_show(image: Image, variables: Variables) -> str:
    """``show``: one image's chain, platforms, files, parent link, tags and tests."""
    lines = [
        f"{image.name} ({image.tier}): {image.description}",
        f"  chain:      {' → '.join(image.chain)}",
        f"  platforms:  {', '.join(image.platforms)}",
    ]
    if image.recipe is None:
        lines.append(f"  dockerfile: {image.dockerfile} (context {image.context})")
    else:
        lines += [
            f"  {key + ':':<11} {value}" for key, value in packages.describe(image.recipe).items()
        ]
    if image.parent:
        lines.append(f"  contexts:   {image.context_name} = target:{image.parent}")
    lines.append("  tags:")
    lines += [f"    {ref}" for ref in image_refs(image, variables)]
    lines.append("  tests:")
    for test in image.tests:
        expect = f"  ⇒ /{test.expect}/" if test.expect else ""
        lines.append(f"    [{test.origin}] {test.name}: {test.run}{expect}")
    return "\n".join(lines)


def describe_image(image: Image, variables: Variables) -> Mapping[str, object]:
    """``show --json``: the same facts as data."""
    return {
        "name": image.name,
        "tier": str(image.tier),
        "parent": image.parent,
        "chain": list(image.chain),
        "platforms": list(image.platforms),
        "dockerfile": image.dockerfile,
        "context": image.context,
        "recipe": None if image.recipe is None else packages.describe(image.recipe),
        "tags": list(image_refs(image, variables)),
        "tests": [
            {"name": t.name, "run": t.run, "expect": t.expect, "from": t.origin}
            for t in image.tests
        ],
    }
