"""``python -m bake``: one small function per subcommand, errors caught once in ``main``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from bake import __version__
from bake.build import affected
from bake.ci import report as ci_report
from bake.ci.plan import make_ci_plan
from bake.core import options
from bake.core.errors import BakeError, ConfigError
from bake.emit import graph
from bake.emit.generated import expected_files, stale_files, write_files
from bake.front import actions, sessions, verbs
from bake.front import report as front_report
from bake.model.family import Family, Image, load_family
from bake.model.naming import Variables
from bake.model.variables import check_variables, origins
from bake.publish import inspection

__all__ = ["default_config_path", "main"]

CONFIG_NAME = sessions.CONFIG_NAME
RunAction = Callable[[str, Path, str, Sequence[str], Mapping[str, str]], None]


def default_config_path(start: Path | None = None) -> Path:
    """``$BAKE_CONFIG``, else the nearest ``family.yaml`` in this folder or above it."""
    return sessions.config_path(os.environ, start)


def cmd_generate(args: argparse.Namespace, family: Family) -> int:
    changed = write_files(expected_files(family, args.config, verbs.markdown_blocks()))
    for path in changed:
        print(f"wrote {path}")
    if not changed:
        print("generated files are up to date")
    return 0


def cmd_check(args: argparse.Namespace, family: Family) -> int:
    stale = stale_files(expected_files(family, args.config, verbs.markdown_blocks()))
    for path, diff in stale.items():
        print(diff, end="" if diff.endswith("\n") else "\n")
        print(f"{path} is stale", file=sys.stderr)
    if stale:
        print("run `python -m bake generate` and commit the result", file=sys.stderr)
        return 1
    print("generated files are up to date")
    return 0


def cmd_list(args: argparse.Namespace, family: Family) -> int:
    print(front_report.render_list(family))
    return 0


def cmd_show(args: argparse.Namespace, family: Family) -> int:
    variables = Variables.from_env(family.config, os.environ)
    images = family.select(args.target)
    check_variables(variables, origins(os.environ, {}, family.config.file))
    if args.json:
        print(json.dumps([front_report.describe_image(i, variables) for i in images], indent=2))
        return 0
    for image in images:
        print(front_report.render_show(image, variables))
    return 0


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
                {"target": image.name, "tier": image.tier.value, "platform": p}
                for p in image.platforms
            ]
        else:
            include.append(
                {
                    "target": image.name,
                    "tier": image.tier.value,
                    "platforms": ",".join(image.platforms),
                }
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
        print(ci_report.render_ci_plan(plan))
    return 0


def cmd_graph(args: argparse.Namespace, family: Family) -> int:
    print(
        graph.render_dot(family) if args.format == "dot" else graph.render_mermaid(family), end=""
    )
    return 0


def cmd_action(args: argparse.Namespace, family: Family | None) -> int:
    """A row of ``bake.front.verbs.VERBS``: what the nox session of the same name runs.
    The pipeline loads the family itself, so ``main`` does not load it first."""
    args.run_action(args.command, args.config, args.selection, args.args, os.environ)
    return 0


def cmd_inspect(args: argparse.Namespace, family: Family | None) -> int:
    """A published tag or digest: platforms, labels, attestations, release record."""
    info = inspection.describe_ref(args.ref)
    print(
        json.dumps(info, indent=2, ensure_ascii=False)
        if args.json
        else inspection.render_inspect(info)
    )
    return 0


def _add_actions(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    run_action: RunAction,
    table: Sequence[verbs.Verb],
) -> None:
    """One subcommand per row of ``table`` (``VERBS``), its help the row's description."""
    for verb in table:
        parser = sub.add_parser(verb.name, help=verb.help)
        parser.add_argument("selection", help="a target or group (e.g. all)")
        parser.add_argument(
            "args",
            nargs=argparse.REMAINDER,
            help="--platform P[,P...], --digests DIR (stage, merge), NAME=value bake variables "
            "(REGISTRY, TAG, ...); the rest goes to buildx",
        )
        parser.set_defaults(func=cmd_action, needs_family=False, run_action=run_action)


def _output_options(parser: argparse.ArgumentParser, *, compact: bool = False) -> None:
    """``--json`` and (for CI's ``$GITHUB_OUTPUT``) ``--compact``."""
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    if compact:
        parser.add_argument("--compact", action="store_true", help="one line (for $GITHUB_OUTPUT)")


def _add_listings(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The subcommands that write or print the family: generate, check, list, show."""
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
    _output_options(show)
    show.set_defaults(func=cmd_show)


def _add_ci(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The subcommands CI asks what to build: matrix, affected, plan."""
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
    _output_options(plan, compact=True)
    _since_option(plan)
    plan.set_defaults(func=cmd_plan)


def _add_views(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The family's tree as a picture, and a published image as the registry has it."""
    graph_parser = sub.add_parser("graph", help="the image tree as Mermaid or Graphviz DOT")
    graph_parser.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    graph_parser.set_defaults(func=cmd_graph)
    inspect = sub.add_parser(
        "inspect",
        help="a published tag or digest: platforms, sizes, labels, attestations, "
        "signature, the smoke-test record and the package changes",
    )
    inspect.add_argument("ref", help="registry/name:tag or registry/name@sha256:…")
    _output_options(inspect)
    inspect.set_defaults(func=cmd_inspect, needs_family=False)


def _parser(
    run_action: RunAction = actions.run_action, table: Sequence[verbs.Verb] = verbs.VERBS
) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neko-bake",
        description="Generate docker-bake.hcl/json from the image family YAML, inspect it, "
        "and build, test and push the family.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help=f"the family file (default: $BAKE_CONFIG or the nearest {CONFIG_NAME})",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_listings(sub)
    _add_ci(sub)
    _add_views(sub)
    _add_actions(sub, run_action, table)
    return parser


def main(argv: Sequence[str] | None = None, run_action: RunAction = actions.run_action) -> int:
    """Run one subcommand; every BakeError becomes one line on stderr and its exit code.
    The family is loaded once, here, for the subcommands that read it; the verbs leave
    it to the pipeline. ``run_action`` is the verbs' seam for tests."""
    parser = _parser(run_action)
    args = parser.parse_args(argv)
    args.config = args.config or default_config_path()
    try:
        options.check(os.environ)
        family = load_family(args.config) if getattr(args, "needs_family", True) else None
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
