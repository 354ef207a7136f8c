"""The build provenance attached to every signed index: a SLSA v1 predicate, generated here.

Why our own: the merge is what makes an index (from the stage jobs' uploads), so it is the
one place that knows what the index was made of: the stage records (each platform's
uploaded index and the image manifest its smoke tests ran), the commit, and, on GitHub,
the workflow run. ``cosign attest --type slsaprovenance1`` wraps this predicate in an
in-toto statement whose subject is the index digest and signs it (``bake.publish.signing``).
Pure functions: the environment comes in as a mapping.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bake.publish.records import Record
from bake.publish.tagmove import Target

__all__ = ["BUILD_TYPE", "LOCAL_BUILDER", "PREDICATE_TYPE", "predicate"]

PREDICATE_TYPE = "https://slsa.dev/provenance/v1"  # what `--type slsaprovenance1` writes
BUILD_TYPE = "urn:neko-bake:buildtype:merge:v1"
LOCAL_BUILDER = "urn:neko-bake:builder:local"
_GITHUB_KEYS = ("GITHUB_EVENT_NAME", "GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "RUNNER_ENVIRONMENT")


def predicate(
    target: Target, records: Sequence[Record], env: Mapping[str, str], commit: str
) -> dict[str, Any]:
    """The SLSA v1 predicate of one image's index (its subject is set by cosign)."""
    return {
        "buildDefinition": {
            "buildType": BUILD_TYPE,
            "externalParameters": _external(target, env),
            "internalParameters": {key.lower(): env[key] for key in _GITHUB_KEYS if env.get(key)},
            "resolvedDependencies": _source(env, commit) + [_record(r) for r in records],
        },
        "runDetails": {"builder": {"id": _builder(env)}, "metadata": _metadata(env)},
    }


def _external(target: Target, env: Mapping[str, str]) -> dict[str, Any]:
    parameters: dict[str, Any] = {"image": target.image, "refs": list(target.refs)}
    if env.get("GITHUB_WORKFLOW_REF"):
        repository, _, rest = env["GITHUB_WORKFLOW_REF"].partition("/.github/")
        path, _, ref = rest.partition("@")
        parameters["workflow"] = {
            "repository": f"{_server(env)}/{repository}",
            "path": f".github/{path}",
            "ref": ref,
        }
    return parameters


def _source(env: Mapping[str, str], commit: str) -> list[dict[str, Any]]:
    if not commit:
        return []
    where = f"{_server(env)}/{env['GITHUB_REPOSITORY']}" if env.get("GITHUB_REPOSITORY") else ""
    ref = f"@{env['GITHUB_REF']}" if env.get("GITHUB_REF") else ""
    return [{"uri": f"git+{where}{ref}" if where else "git", "digest": {"gitCommit": commit}}]


def _record(record: Record) -> dict[str, Any]:
    """A stage record: the uploaded index that holds the platform, and what was tested."""
    return {
        "name": f"{record.image}@{record.platform}",
        "uri": f"{record.repository}@{record.digest}",
        "digest": {"sha256": record.digest.removeprefix("sha256:")},
        "annotations": {"platform": record.platform, "tested": record.tested},
    }


def _builder(env: Mapping[str, str]) -> str:
    if env.get("GITHUB_WORKFLOW_REF"):
        return f"{_server(env)}/{env['GITHUB_WORKFLOW_REF']}"
    return LOCAL_BUILDER


def _metadata(env: Mapping[str, str]) -> dict[str, str]:
    if not (env.get("GITHUB_REPOSITORY") and env.get("GITHUB_RUN_ID")):
        return {}
    run = f"{_server(env)}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    return {"invocationId": f"{run}/attempts/{env.get('GITHUB_RUN_ATTEMPT', '1')}"}


def _server(env: Mapping[str, str]) -> str:
    return env.get("GITHUB_SERVER_URL") or "https://github.com"
