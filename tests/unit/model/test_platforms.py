"""The one platform table: complete rows, used by every consumer, agreeing with the host
set-up script. (test_platforms_docker.py proves each row in a real container.)"""

from __future__ import annotations

import re
from pathlib import Path

from bake.build import host
from bake.model import platforms, specs
from bake.publish import sbom
from bake.smoke import suite

ROOT = Path(__file__).resolve().parents[3]
SETUP = (ROOT / "scripts" / "setup-host.sh").read_text()


def test_rows_are_complete_and_unique() -> None:
    names = platforms.names()
    assert len(names) == len(set(names)) == len(platforms.PLATFORMS)
    for row in platforms.PLATFORMS:
        assert re.fullmatch(r"linux/[a-z0-9]+(/v[0-9])?", row.name)
        assert row.qemu_handler.startswith("qemu-") and row.machine and row.dpkg and row.runner


def test_consumers_take_the_table() -> None:
    assert specs.KNOWN_PLATFORMS == platforms.names()
    assert sbom.SCANNER_PLATFORMS == platforms.names()
    assert host.foreign_platforms(platforms.names(), "x86_64") == ("linux/arm64", "linux/arm/v7")
    for row in platforms.PLATFORMS:
        problem = host.binfmt_problem(row.name, None)
        assert problem is not None and row.qemu_handler in problem
        check = suite.arch_check("i", row.name, "ref")
        assert check.expect is not None
        assert re.search(check.expect, f"uname={row.machine} dpkg={row.dpkg}\n")


def test_unknown_platform_has_no_handler_and_is_not_native() -> None:
    assert host.binfmt_problem("linux/arm/v6", None) == (
        "linux/arm/v6: no known QEMU binfmt handler for this platform"
    )
    assert platforms.by_machine("armv6l") == ()


def test_setup_script_registers_the_foreign_handlers_and_seeds_every_platform() -> None:
    handlers = re.search(r'^BINFMT_HANDLERS="([^"]*)"', SETUP, re.M)
    seeds = re.search(r'^SEED_ARCHES="([^"]*)"', SETUP, re.M)
    assert handlers and seeds
    foreign = {p.qemu_handler for p in platforms.PLATFORMS if p.name != "linux/amd64"}
    assert set(handlers.group(1).split()) == foreign
    assert seeds.group(1).split() == [f"{p.name}:{p.dpkg}" for p in platforms.PLATFORMS]
