"""bake.core.run: the echo, readable failures, missing programs and timeouts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bake.core import run
from bake.core.errors import CommandError, HostError


def test_quote_is_a_copyable_shell_line() -> None:
    assert run.quote(["echo", "a b", "it's"]) == "echo 'a b' 'it'\"'\"'s'"
    assert (
        run.quote(["docker", "buildx"], {"TAG": "x y", "SHA": ""})
        == "TAG='x y' SHA='' docker buildx"
    )


def test_run_echoes_the_command_with_its_variables(capsys: pytest.CaptureFixture[str]) -> None:
    run.run(["true", "a b"], env={"REGISTRY": "r.example/ns"})
    assert capsys.readouterr().err == "+ REGISTRY=r.example/ns true 'a b'\n"


def test_run_names_the_folder_when_it_is_not_the_current_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run.run(["true"], cwd=tmp_path)
    assert capsys.readouterr().err == f"+ true  # in {tmp_path}\n"


def test_run_passes_the_variables_to_the_command() -> None:
    proc = run.run(["sh", "-c", "echo $BAKE_T"], env={"BAKE_T": "seen"}, capture=True, echo=False)
    assert proc.stdout == "seen\n"


def test_capture_stdout_is_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    assert run.capture_stdout(["printf", "x"]) == "x"
    assert capsys.readouterr().err == ""


def test_failure_shows_command_exit_code_and_indented_output() -> None:
    with pytest.raises(CommandError) as info:
        run.run(["sh", "-c", "echo out; echo err >&2; exit 3"], capture=True, echo=False)
    assert str(info.value) == (
        "command failed with exit code 3:\n"
        "    sh -c 'echo out; echo err >&2; exit 3'\n"
        "stdout:\n    out\n"
        "stderr:\n    err"
    )
    assert info.value.exit_code == 4


def test_failure_of_a_streamed_command_points_above() -> None:
    with pytest.raises(CommandError, match=r"stdout: \(shown above\)\nstderr: \(shown above\)"):
        run.run(["false"], echo=False)


def test_failure_message_says_none_for_empty_output() -> None:
    text = run.failure_message(["x"], 1, "", "  \n")
    assert text.endswith("stdout: (none)\nstderr: (none)")


def test_unchecked_failure_returns_the_code() -> None:
    assert run.run(["false"], check=False, echo=False).returncode == 1


def test_missing_program_is_a_host_error_with_a_hint() -> None:
    with pytest.raises(
        HostError, match=r"no-such-tool-xyz: command not found; install it \(the neko-bake README"
    ):
        run.run(["no-such-tool-xyz"])


def test_timeout_reports_exit_124_and_says_so() -> None:
    proc = run.run(
        [sys.executable, "-c", "import time; print('started', flush=True); time.sleep(30)"],
        capture=True,
        check=False,
        echo=False,
        timeout=1,
    )
    assert proc.returncode == run.TIMEOUT_EXIT
    assert "timed out after 1 s" in proc.stderr


def test_timeout_with_check_raises() -> None:
    with pytest.raises(CommandError, match="exit code 124"):
        run.run(["sleep", "30"], capture=True, echo=False, timeout=0.5)


def test_start_merges_output_into_one_pipe_in_a_session_of_its_own(
    capsys: pytest.CaptureFixture[str],
) -> None:
    proc = run.start(["sh", "-c", "echo out; echo err >&2; ps -o sid= -p $$"], env={"X": "1"})
    assert proc.stdout is not None
    lines = proc.stdout.read().split()
    assert proc.wait() == 0
    assert lines[:2] == ["out", "err"]
    assert int(lines[2]) == proc.pid  # its own session: a terminal's Ctrl-C does not reach it
    assert capsys.readouterr().err == "+ X=1 sh -c 'echo out; echo err >&2; ps -o sid= -p $$'\n"


def test_start_names_a_missing_program() -> None:
    with pytest.raises(HostError, match="no-such-program-xyz: command not found"):
        run.start(["no-such-program-xyz"])
