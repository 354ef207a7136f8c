"""The families the benchmarks run on.

- ``write_generate_family``: a synthetic family for P1 (``generate`` vs ``--print``):
  a base and N apps, each with two accelerator variants (one on every platform the
  accelerator allows, one restricted), descriptions, labels, args, aliases and tests, so
  the bake file has the features of a real one. N = 200 gives 601 targets.
- ``copy_fixture``: a private copy of ``benchmarks/fixture`` (or another fixture family)
  with a unique run id stamped into the base's Dockerfile. Every build step of the family
  descends from that RUN line, so a build of the copy is cold for every step after
  ``FROM`` — without pruning anybody's build cache on this shared machine.
- ``copy_reference``: a private copy of the repository's family (family.yaml and
  dockerfiles/), the run id stamped into the base's Dockerfile right before its ``USER``
  line (the base's package installs before it stay cached).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

__all__ = [
    "BENCH_FIXTURE",
    "RUN_MARKER",
    "TINY_FIXTURE",
    "apps_for_targets",
    "copy_fixture",
    "copy_reference",
    "write_generate_family",
]

ROOT = Path(__file__).resolve().parent.parent
BENCH_FIXTURE = ROOT / "benchmarks" / "fixture"
TINY_FIXTURE = ROOT / "tests" / "fixtures" / "tiny"
RUN_MARKER = "bench-run local"  # in BENCH_FIXTURE's base Dockerfile


def apps_for_targets(targets: int) -> int:
    """Apps needed for about ``targets`` concrete targets (base + apps × 3)."""
    return max(1, round((targets - 1) / 3))


def write_generate_family(folder: Path, apps: int) -> Path:
    """Write the synthetic P1 family (base + ``apps`` × (app + 2 variants)) into ``folder``."""
    dockerfiles = folder / "dockerfiles"
    for sub in ("base", "apps/app", "accelerators/gpu", "accelerators/npu"):
        (dockerfiles / sub).mkdir(parents=True, exist_ok=True)
        (dockerfiles / sub / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    family = {
        "registry": "127.0.0.1:5000/t-bench-generate",
        "tags": ["latest"],
        "source": "https://example.invalid/generate",
        "licenses": "Apache-2.0",
        "vendor": "Bench",
        "platforms": ["linux/amd64", "linux/arm64", "linux/arm/v7"],
        "labels": {"com.example.team": "bench"},
        "args": {"DEBIAN_SUITE": "bookworm"},
        "layout": {
            "base": "dockerfiles/base",
            "apps": "dockerfiles/apps/{name}",
            "accelerators": "dockerfiles/accelerators/{name}",
        },
        "base": {
            "description": "The base runtime",
            "tests": [{"name": "shell", "run": "echo ok", "expect": "^ok$"}],
        },
        "apps": {f"app{i:03d}": _app(i) for i in range(apps)},
        "accelerators": {
            "gpu": {"description": "A GPU runtime", "platforms": ["linux/amd64", "linux/arm64"]},
            "npu": {
                "description": "An NPU runtime",
                "platforms": ["linux/amd64"],
                "args": {"NPU_DRIVER": "v1"},
            },
        },
    }
    path = folder / "family.yaml"
    path.write_text(yaml.safe_dump(family, sort_keys=False), encoding="utf-8")
    return path


def _app(index: int) -> dict[str, object]:
    app: dict[str, object] = {
        "description": f'Application number {index} with a "quoted" word and a ${{literal}}',
        "dockerfile": "dockerfiles/apps/app/Dockerfile",
        "labels": {"com.example.app": f"app{index}"},
        "args": {"APP_INDEX": str(index)},
        "tests": [{"name": "version", "run": f"app{index} --version", "expect": f"app{index}"}],
    }
    if index % 10 == 0:
        app["aliases"] = [f"legacy-app{index:03d}"]
    return app


def copy_fixture(source: Path, folder: Path, run_id: str) -> Path:
    """Copy the fixture family to ``folder`` with ``run_id`` stamped in; the copy's YAML."""
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("docker-bake.*"))
    base = folder / "dockerfiles" / "base" / "Dockerfile"
    text = base.read_text(encoding="utf-8")
    if RUN_MARKER in text:
        text = text.replace(RUN_MARKER, f"bench-run {run_id}")
    else:  # a fixture without the marker: one extra, cheap, emulated RUN line
        text += f'RUN echo "bench-run {run_id}" > /etc/bench-run\n'
    base.write_text(text, encoding="utf-8")
    return folder / "family.yaml"


def copy_reference(folder: Path, run_id: str) -> Path:
    """family.yaml and dockerfiles/ of the repository into ``folder``, run id stamped."""
    source = folder.parent / f"{folder.name}-source"
    source.mkdir(parents=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "family.yaml", source / "family.yaml")
    shutil.copytree(ROOT / "dockerfiles", source / "dockerfiles")
    shutil.copytree(source, folder)
    shutil.rmtree(source)
    # Before the base's USER line (still root): the base's package installs stay cached
    # (a rebuild of them fetches Debian's indexes again, which fails during a mirror sync),
    # everything after the stamp, and all of firefox, is cold.
    base = folder / "dockerfiles" / "base" / "Dockerfile"
    lines = base.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("USER "))
    lines.insert(at, f'RUN echo "bench-run {run_id}" > /etc/bench-run\n')
    base.write_text("".join(lines), encoding="utf-8")
    return folder / "family.yaml"
