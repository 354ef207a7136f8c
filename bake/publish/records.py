"""Stage records: what a stage run uploaded, one JSON file per image × platform.

A stage run (one platform, e.g. one CI job) writes ``<image>@<os>-<arch>[-<variant>].json``
into the digests folder; the merge reads every record and tags nothing unless each image
has a passed record for each of its platforms. The file is the interface between the
jobs, so it is plain JSON with a fixed set of keys:

    {"image": "firefox", "platform": "linux/arm/v7",
     "repository": "ghcr.io/example/neko/firefox",
     "digest": "sha256:…",   # the uploaded index that holds this platform (merge source)
     "tested": "sha256:…",   # the platform's image manifest the smoke tests ran
     "status": "passed",     # or "failed": its smoke tests failed, nothing was uploaded
     "attempt": 1}           # the CI run attempt that wrote it (GITHUB_RUN_ATTEMPT)

A re-run of failed CI jobs writes new records while the first attempt's stay in the run
(artifacts are per attempt): the merge reads only the latest attempt of each image ×
platform (``latest``), so a re-run that passes converges. A record without ``attempt``
is attempt 1.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from bake.core.errors import PipelineError
from bake.model.platforms import slug

__all__ = [
    "PASSED",
    "Record",
    "file_name",
    "latest",
    "problems",
    "read_records",
    "write_records",
]

PASSED = "passed"
FAILED = "failed"
KEYS = ("image", "platform", "repository", "digest", "tested", "status")


@dataclass(frozen=True, kw_only=True)
class Record:
    """One image × platform of a stage run."""

    image: str
    platform: str
    repository: str
    digest: str
    tested: str
    status: str = PASSED
    attempt: int = 1


def file_name(image: str, platform: str) -> str:
    """``firefox``, ``linux/arm/v7`` → ``firefox@linux-arm-v7.json``."""
    return f"{image}@{slug(platform)}.json"


def write_records(folder: Path, records: Sequence[Record]) -> list[Path]:
    """Write each record as its own file (whole files: written aside, then renamed)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for record in records:
        path = folder / file_name(record.image, record.platform)
        part = path.with_name(path.name + ".part")
        part.write_text(json.dumps(asdict(record), indent=2) + "\n")
        part.replace(path)
        written.append(path)
    return written


def read_records(folder: Path) -> list[Record]:
    """Every record in ``folder`` (searched recursively: CI artifacts may nest them)."""
    if not folder.is_dir():
        raise PipelineError(f"--digests {folder}: no such folder (stage runs write it)")
    records = []
    for path in sorted(folder.rglob("*@*.json")):
        try:
            data = json.loads(path.read_text())
            values = {key: str(data[key]) for key in KEYS}
            attempt = _attempt(data.get("attempt", 1))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise PipelineError(
                f"{path}: not a stage record ({exc!r}); expected keys {KEYS}"
            ) from None
        records.append(Record(**values, attempt=attempt))
    return records


def _attempt(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or int(value) < 1:
        raise ValueError(f"attempt {value!r} is not a run attempt (1, 2, …)")
    return int(value)


def latest(records: Sequence[Record]) -> list[Record]:
    """Only the records of the latest attempt of each image × platform, in their order."""
    newest: dict[tuple[str, str], int] = {}
    for record in records:
        key = (record.image, record.platform)
        newest[key] = max(newest.get(key, record.attempt), record.attempt)
    return [r for r in records if r.attempt == newest[(r.image, r.platform)]]


def problems(expected: Mapping[str, Sequence[str]], records: Sequence[Record]) -> list[str]:
    """Why these records cannot be merged: a missing, failed or doubled image × platform."""
    found: dict[tuple[str, str], list[Record]] = {}
    for record in records:
        found.setdefault((record.image, record.platform), []).append(record)
    lines = []
    for image, platforms in expected.items():
        for platform in platforms:
            mine = found.get((image, platform), [])
            digests = {r.digest for r in mine}
            if not mine:
                lines.append(
                    f"{image} on {platform}: no record ({file_name(image, platform)} missing)"
                )
            elif any(r.status != PASSED for r in mine):
                lines.append(f"{image} on {platform}: {mine[0].status} (its stage did not pass)")
            elif len(digests) > 1:
                lines.append(f"{image} on {platform}: records disagree ({sorted(digests)})")
    return lines
