"""The plan of a build, test or push, printed before any work starts, and the
attestations its builds carry."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # plan.py imports this module; the type only is needed here
    from bake.build.plan import Plan


def render_plan(plan: Plan, action: str) -> str:
    """The resolved plan, printed before any work starts."""
    lines = [
        f"plan: {action} {plan.selection!r} from {plan.config_path} "
        f"({len(plan.images)} images, platforms {', '.join(plan.platforms)})",
        "  variables: " + " ".join(f"{k}={v!r}" for k, v in plan.bake_env().items()),
    ]
    width = max(len(image.name) for image in plan.images)
    for image in plan.images:
        lines.append(f"  {image.name.ljust(width)}  [{image.tier}] {', '.join(image.platforms)}")
        lines += [f"  {' ' * width}    → {ref}" for ref in plan.refs(image)]
    return "\n".join(lines)


def render_attestations(sbom_generator: str | None) -> str:
    """Which attestations the build attaches."""
    sbom = f"SBOM by {sbom_generator}" if sbom_generator else "no SBOM"
    return f"  attestations: provenance (mode=max), {sbom}"
