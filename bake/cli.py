"""``python -m bake``: one small function per subcommand, errors caught once in ``main``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bake import affected, recipe
from bake.ciplan import CiPlan, make_ci_plan
from bake.errors import BakeError, ConfigError
from bake.family import Family, Image, load_family
from bake.generated import expected_files, stale_files, write_files
from bake.naming import Variables, image_refs
from bake.varcheck import check_variables, origins

__all__ = ["default_config_path", "main"]

CONFIG_NAME = "family.yaml"


def default_config_path(start: Path | None = None) -> Path:
    """``$BAKE_CONFIG``, else the nearest ``family.yaml`` in this folder or above it."""
    if os.environ.get("BAKE_CONFIG"):
        return Path(os.environ["BAKE_CONFIG"])
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder / CONFIG_NAME
    return here / CONFIG_NAME


def cmd_generate(args: argparse.Namespace, family: Family) -> int:
    changed = write_files(expected_files(family, args.config))
    for path in changed:
        print(f"wrote {path}")
    if not changed:
        print("generated files are up to date")
    return 0


def cmd_check(args: argparse.Namespace, family: Family) -> int:
    stale = stale_files(expected_files(family, args.config))
    for path, diff in stale.items():
        print(diff, end="" if diff.endswith("\n") else "\n")
        print(f"{path} is stale", file=sys.stderr)
    if stale:
        print("run `python -m bake generate` and commit the result", file=sys.stderr)
        return 1
    print("generated files are up to date")
    return 0


def cmd_list(args: argparse.Namespace, family: Family) -> int:
    rows = [("TARGET", "TIER", "PARENT", "PLATFORMS")]
    rows += [(i.name, i.tier, i.parent or "-", ",".join(i.platforms)) for i in family.images]
    widths = [max(len(row[c]) for row in rows) for c in range(3)]
    for row in rows:
        print(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[3]
        )
    print()
    for group in family.groups:
        print(f"group {group.name}: {' '.join(group.targets)}")
    return 0


def cmd_show(args: argparse.Namespace, family: Family) -> int:
    variables = Variables.from_env(family.config, os.environ)
    images = family.select(args.target)
    check_variables(variables, origins(os.environ, {}, family.config.file))
    if args.json:
        print(json.dumps([_describe(i, variables) for i in images], indent=2))
        return 0
    for image in images:
        print(f"{image.name} ({image.tier}): {image.description}")
        print(f"  chain:      {' → '.join(image.chain)}")
        print(f"  platforms:  {', '.join(image.platforms)}")
        if image.recipe is None:
            print(f"  dockerfile: {image.dockerfile} (context {image.context})")
        else:
            for key, value in recipe.describe(image.recipe).items():
                print(f"  {key + ':':<11} {value}")
        if image.parent:
            print(f"  contexts:   {image.context_name} = target:{image.parent}")
        print("  tags:")
        for ref in image_refs(image, variables):
            print(f"    {ref}")
        print("  tests:")
        for test in image.tests:
            expect = f"  ⇒ /{test.expect}/" if test.expect else ""
            print(f"    [{test.origin}] {test.name}: {test.run}{expect}")
    return 0


def _describe(image: Image, variables: Variables) -> dict[str, object]:
    return {
        "name": image.name,
        "tier": image.tier,
        "parent": image.parent,
        "chain": list(image.chain),
        "platforms": list(image.platforms),
        "dockerfile": image.dockerfile,
        "context": image.context,
        "recipe": None if image.recipe is None else recipe.describe(image.recipe),
        "tags": list(image_refs(image, variables)),
        "tests": [
            {"name": t.name, "run": t.run, "expect": t.expect, "from": t.origin}
            for t in image.tests
        ],
    }


def _selected(args: argparse.Namespace, family: Family) -> tuple[Image, ...]:
    """``args.target``'s images; with ``--since REF`` only those the changes affect."""
    images = family.select(args.target)
    if args.since is None:
        return images
    return affected.since(family, args.config, args.since).select(images)


def cmd_affected(args: argparse.Namespace, family: Family) -> int:
    found = affected.since(family, args.config, args.since)
    images = found.select(family.select(args.target))
    if args.json:
        print(json.dumps([image.name for image in images]))
    elif images:
        print(found.render(images))
    else:
        print(f"no image of {args.target!r} is affected by the changes since {args.since}")
    return 0


def cmd_matrix(args: argparse.Namespace, family: Family) -> int:
    include: list[dict[str, str]] = []
    for image in _selected(args, family):
        if args.per_platform:
            include += [
                {"target": image.name, "tier": image.tier, "platform": p} for p in image.platforms
            ]
        else:
            include.append(
                {"target": image.name, "tier": image.tier, "platforms": ",".join(image.platforms)}
            )
    print(json.dumps({"include": include}, indent=None if args.compact else 2))
    return 0


def _since_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since",
        metavar="REF",
        default=None,
        help="only the images the changes since this git revision affect (see `affected`)",
    )


def cmd_plan(args: argparse.Namespace, family: Family) -> int:
    selection = "all" if args.selection == "default" else args.selection
    variables = Variables.from_env(family.config, os.environ)
    args.target = selection
    images = _selected(args, family)
    selection = family.canonical(selection)  # an alias plans its image
    check_variables(variables, origins(os.environ, {}, family.config.file))
    plan = make_ci_plan(family, selection, images, variables, args.per_image)
    if args.json:
        print(json.dumps(plan.as_dict(), indent=None if args.compact else 2))
    else:
        print(_render_plan(plan))
    return 0


def _render_plan(plan: CiPlan) -> str:
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


def _publish_plan(args: argparse.Namespace) -> Any:
    """The pipeline plan of ``stage``/``merge``: NAME=value assignments set bake variables."""
    from bake import pipeline, sessions  # the pipeline is only needed by these verbs

    overrides, rest = sessions.split_posargs(args.assignments)
    if rest:
        raise ConfigError("arguments", "", f"expected NAME=value bake variables, got {rest}")
    options = pipeline.Options.from_env(os.environ)
    platforms = [p for value in args.platform or [] for p in value.split(",") if p]
    plan = pipeline.make_plan(
        args.config, args.target, overrides, options, os.environ, tuple(platforms)
    )
    return sessions.narrow_since(plan, args.since)


def cmd_stage(args: argparse.Namespace, family: Family) -> int:
    from bake import pipeline

    pipeline.stage(_publish_plan(args), args.digests)
    return 0


def cmd_merge(args: argparse.Namespace, family: Family) -> int:
    from bake import pipeline

    pipeline.merge(_publish_plan(args), args.digests)
    return 0


def _publish_parsers(sub: Any) -> None:
    stage = sub.add_parser(
        "stage", help="build and test (--platform), upload by digest, write records to --digests"
    )
    merge = sub.add_parser("merge", help="tag the staged uploads of --digests DIR, then verify")
    for parser, func in ((stage, cmd_stage), (merge, cmd_merge)):
        parser.add_argument("target", help="target or group")
        parser.add_argument("--digests", type=Path, required=True, help="the records folder")
        parser.add_argument("assignments", nargs="*", metavar="NAME=value")
        _since_option(parser)
        parser.set_defaults(func=func)
    stage.add_argument(
        "--platform", action="append", help="only these platforms (comma-separated, repeatable)"
    )
    merge.set_defaults(platform=None)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bake",
        description="Generate docker-bake.hcl/json from the image family YAML and inspect it.",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help=f"the family file (default: $BAKE_CONFIG or the nearest {CONFIG_NAME})",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("generate", help="write docker-bake.hcl and docker-bake.json").set_defaults(
        func=cmd_generate
    )
    sub.add_parser(
        "check", help="fail with a diff when the generated files are stale"
    ).set_defaults(func=cmd_check)
    sub.add_parser("list", help="targets with tier, parent and platforms; groups").set_defaults(
        func=cmd_list
    )
    show = sub.add_parser("show", help="a target's (or group's) chain, platforms, tags, tests")
    show.add_argument("target")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=cmd_show)
    matrix = sub.add_parser("matrix", help="JSON for a CI job matrix")
    matrix.add_argument("target", nargs="?", default="all", help="target or group (default all)")
    matrix.add_argument("--per-platform", action="store_true", help="one job per platform")
    matrix.add_argument("--compact", action="store_true", help="one line (for $GITHUB_OUTPUT)")
    _since_option(matrix)
    matrix.set_defaults(func=cmd_matrix)
    changed = sub.add_parser(
        "affected", help="the images the changes since a git revision affect, and why"
    )
    changed.add_argument("target", nargs="?", default="all", help="target or group (default all)")
    changed.add_argument(
        "--since", required=True, metavar="REF", help="git revision to diff against"
    )
    changed.add_argument("--json", action="store_true", help="a JSON list of image names")
    changed.set_defaults(func=cmd_affected)
    plan = sub.add_parser("plan", help="the CI plan: build jobs by platform, what merge sets")
    plan.add_argument("selection", nargs="?", default="all", help="target or group (default all)")
    plan.add_argument("--per-image", action="store_true", help="one job per image × platform")
    plan.add_argument("--json", action="store_true", help="machine-readable output")
    plan.add_argument("--compact", action="store_true", help="one line (for $GITHUB_OUTPUT)")
    _since_option(plan)
    plan.set_defaults(func=cmd_plan)

    _publish_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; every BakeError becomes one line on stderr and its exit code."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not hasattr(args, "assignments"):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra:  # NAME=value after the options (argparse stops filling positionals there)
        args.assignments = [*args.assignments, *extra]
    args.config = args.config or default_config_path()
    try:
        family = load_family(args.config)
        return int(args.func(args, family))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    except BakeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # `python -m bake show all | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as if killed by SIGPIPE, like other Unix tools
