"""bake.smoke.containers without docker: the command of a batch container. (Running batches,
interrupts and sessions side by side: tests/integration/test_containers_docker.py.)"""

from __future__ import annotations

from bake.smoke import batch, containers
from bake.smoke.suite import Check


def test_batch_container_command_labels_names_and_never_pulls() -> None:
    checks = (
        Check("hello", "linux/arm/v7", "r/hello:t", "architecture", "uname -m"),
        Check("hello", "linux/arm/v7", "r/hello:t", "greet", "tiny-hello"),
    )
    (group,) = batch.batches(checks)
    cmd = containers.command(group, checks, "bake-smoke-run1-x", "run1", "@@bake-tok")
    assert cmd[:-1] == [
        "docker",
        "run",
        "--rm",
        "--pull",
        "never",
        "--platform",
        "linux/arm/v7",
        "--name",
        "bake-smoke-run1-x",
        "--label",
        "bake.run=run1",
        "--entrypoint",
        "/bin/sh",
        "r/hello:t",
        "-c",
    ]
    assert cmd[-1] == batch.script(checks, "@@bake-tok")


def test_run_ids_are_unique_and_fit_a_label_and_a_name() -> None:
    ids = {containers.new_run_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) == 12 and i.isalnum() for i in ids)
