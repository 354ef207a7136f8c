"""The CI plan as text: the build jobs, then what the merge job tags."""

from __future__ import annotations

from bake.ci.plan import CiPlan


def render_ci_plan(plan: CiPlan) -> str:
    """``plan`` (the CI plan) as text: the build jobs, then what merge sets."""
    lines = [f"CI plan for {plan.selection!r}: {len(plan.jobs)} build jobs, then one merge"]
    for job in plan.jobs:
        qemu = " (QEMU)" if job.qemu else ""
        lines.append(
            f"  build {job.id}: {job.platform} on {job.runner}{qemu}: {' '.join(job.targets)}"
        )
    lines.append("  merge:")
    for image in plan.images:
        lines.append(f"    {image.name}: {', '.join(image.platforms)}")
        lines += [f"      → {tag}" for tag in image.tags]
    return "\n".join(lines)
