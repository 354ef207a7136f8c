"""Benchmark: what the BuildKit apt cache mounts in dockerfiles/ save on a rebuild.

Rebuilds one image for one platform with ``--no-cache`` (no layer cache) twice per round:
once after pruning BuildKit's cache mounts (every .deb downloaded again: "cold") and
once with them kept ("warm"). Prints each time and the cold/warm ratio, median over
the rounds. Needs Docker with buildx (scripts/setup-host.sh). Not part of the test suite.

    python benchmarks/apt_cache_mounts.py [--target base] [--platform linux/amd64] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_seconds(target: str, platform: str, *, prune_mounts: bool) -> float:
    if prune_mounts:
        subprocess.run(
            ["docker", "buildx", "prune", "--force", "--filter", "type=exec.cachemount"],
            check=True,
            capture_output=True,
        )
    start = time.monotonic()
    subprocess.run(
        [
            "docker",
            "buildx",
            "bake",
            "-f",
            "docker-bake.hcl",
            target,
            "--no-cache",
            "--set",
            f"{target}.platform={platform}",
            "--set",
            f"{target}.output=type=cacheonly",
            "--progress",
            "quiet",
        ],
        cwd=ROOT,
        check=True,
    )
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="base")
    parser.add_argument("--platform", default="linux/amd64")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    build_seconds(args.target, args.platform, prune_mounts=False)  # warm-up: fills the mounts
    cold, warm = [], []
    for round_ in range(1, args.rounds + 1):
        cold.append(build_seconds(args.target, args.platform, prune_mounts=True))
        warm.append(build_seconds(args.target, args.platform, prune_mounts=False))
        print(
            f"round {round_}: cold {cold[-1]:6.1f}s  warm {warm[-1]:6.1f}s  ratio {cold[-1] / warm[-1]:.2f}"
        )
    ratios = [c / w for c, w in zip(cold, warm, strict=True)]
    print(
        f"{args.target} on {args.platform}, --no-cache rebuild, median of {args.rounds}: "
        f"cold mounts {statistics.median(cold):.1f}s, warm mounts {statistics.median(warm):.1f}s, "
        f"cold/warm = {statistics.median(ratios):.2f}x"
    )


if __name__ == "__main__":
    main()
