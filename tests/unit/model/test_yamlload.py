"""No traceback, ever: whatever bytes the family file holds, `python -m bake` answers
with one line (file:line, what was expected), exit code 2, and writes nothing. Also the
YAML features a user may reach for: merge keys work, other tags are refused clearly."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from bake.core.errors import ConfigError
from bake.front import cli
from bake.model import yamlload
from bake.model.config import load_config
from bake.model.yamlload import MAX_BYTES, MAX_DEPTH
from tests.families import write_text

REPO = Path(__file__).resolve().parents[3]
GOOD = """\
registry: ghcr.io/example/neko
base:
  description: the base
apps:
  firefox:
    description: Firefox
"""


def generate(tmp_path: Path, raw: bytes, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "family.yaml"
    path.write_bytes(raw)
    code = cli.main(["--config", str(path), "generate"])
    return code, capsys.readouterr().err


def assert_one_clean_error(
    tmp_path: Path, code: int, err: str, line: int | None, expected: str
) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    where = f"{tmp_path / 'family.yaml'}:{line}: error" if line else f"{tmp_path / 'family.yaml'}:"
    assert err.startswith(where), err
    assert expected in err, err
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["family.yaml"], (
        "nothing may be written"
    )


BAD = {
    "non-UTF-8 byte": (GOOD.encode() + b"vendor: caf\xe9\n", 7, "not UTF-8 text (byte 0xe9"),
    "lone surrogate escape": (GOOD.encode() + b'vendor: "\\uD800"\n', 7, "invalid"),
    "NUL escape": (GOOD.encode() + b'vendor: "a\\0b"\n', 7, "a string holds a NUL character"),
    "carriage return escape": (GOOD.encode() + b'vendor: "a\\rb"\n', 7, "carriage return"),
    "control character": (GOOD.encode() + b"vendor: a\x01b\n", 7, "control character U+0001"),
    "DEL character": (GOOD.encode() + b"vendor: a\x7fb\n", 7, "control character U+007F"),
    "list as a mapping key": (GOOD.encode() + b"? [a, b]\n: c\n", 7, "expected a plain key"),
    "mapping as a mapping key": (GOOD.encode() + b"{a: 1}: c\n", 7, "expected a plain key"),
    "binary value": (
        GOOD.encode() + b"vendor: !!binary aGVsbG8=\n",
        7,
        "unsupported YAML tag !!binary",
    ),
    "local tag": (GOOD.encode() + b"vendor: !env HOME\n", 7, "unsupported YAML tag !env"),
    "python tag": (
        GOOD.encode() + b"vendor: !!python/name:os.system\n",
        7,
        "unsupported YAML tag !!python/name:os.system",
    ),
    "set": (GOOD.encode() + b"tags: !!set {a, b}\n", 7, "unsupported YAML tag !!set"),
    "octal-looking number": (
        GOOD.encode() + b"vendor: 0022\n",
        7,
        'YAML reads 0022 as 18; quote it to keep the text: "0022"',
    ),
    "trailing zero lost": (
        GOOD.replace("description: Firefox", "description: 1.10").encode(),
        6,
        'YAML reads 1.10 as 1.1; quote it to keep the text: "1.10"',
    ),
    "boolean word": (
        GOOD.encode() + b"vendor: yes\n",
        7,
        'YAML reads yes as True; quote it to keep the text: "yes"',
    ),
    "date": (
        GOOD.encode() + b"vendor: 2026-11-28\n",
        7,
        'expected a string, got a date (quote it: "2026-11-28")',
    ),
    "too large": (GOOD.encode() + b"#" * MAX_BYTES + b"\n", None, f"larger than {MAX_BYTES} bytes"),
    "duplicate key next to a merge": (
        b"x: &x {description: X}\n" + GOOD.encode() + b"  vlc:\n    <<: *x\n  vlc:\n    <<: *x\n",
        10,
        "duplicate key 'vlc' (first defined on line 8)",
    ),
    "merge of a scalar": (GOOD.encode() + b"labels:\n  <<: just-text\n", 8, "invalid YAML"),
    "self-referencing alias": (GOOD.encode() + b"labels: &a {x: *a}\n", 7, "expected a string"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_bytes_are_one_clean_error(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw, line, expected = BAD[case]
    start = time.monotonic()
    code, err = generate(tmp_path, raw, capsys)
    assert time.monotonic() - start < 5, "bad input must be rejected quickly"
    assert_one_clean_error(tmp_path, code, err, line, expected)


def _deep(opening: bytes, closing: bytes, levels: int) -> bytes:
    return GOOD.encode() + b"labels: " + opening * levels + closing * levels + b"\n"


# The text, and the line where the level past MAX_DEPTH opens (line 7 is labels:; the
# document's mapping is the first level).
NESTING = {
    "flow, deeper than libyaml's own limit": (_deep(b"[", b"]", 100_000), 7),
    "flow, within libyaml's limit": (_deep(b"[", b"]", 500), 7),
    "flow mappings": (_deep(b"{a: ", b"}", 2000), 7),
    "flow, one level a line": (_deep(b"[\n", b"]\n", 2000), MAX_DEPTH + 6),
    "block": (
        GOOD.encode() + b"labels:\n" + b"".join(b" " * (i + 1) + b"-\n" for i in range(100)),
        MAX_DEPTH + 7,
    ),
    "block, deeper than libyaml's own limit": (
        GOOD.encode() + b"labels:\n" + b"".join(b" " * (i + 1) + b"-\n" for i in range(1200)),
        MAX_DEPTH + 7,
    ),
}


@pytest.mark.parametrize("parser", ["libyaml", "pure-python"])
@pytest.mark.parametrize("case", sorted(NESTING))
def test_deep_nesting_is_our_one_line_whichever_parser_stops_it(
    case: str,
    parser: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """libyaml (PyYAML 6.0.4) refuses deep flow nesting with its own words before our
    depth check sees the events; the message is ours either way, naming file and line."""
    raw, line = NESTING[case]
    expected = f"nested more than {MAX_DEPTH} levels deep"
    start = time.monotonic()
    if parser == "pure-python":
        with pytest.raises(ConfigError) as info:
            yamlload.parse(str(tmp_path / "family.yaml"), raw, loader=yamlload._PyLoader)
        assert (info.value.line, expected in info.value.message) == (line, True), info.value
    else:
        assert yamlload._Loader.__mro__[1] is yaml.CSafeLoader, "PyYAML without libyaml"
        code, err = generate(tmp_path, raw, capsys)
        assert_one_clean_error(tmp_path, code, err, line, expected)
    assert time.monotonic() - start < 5, "bad input must be rejected quickly"


def test_libyaml_errors_that_are_not_nesting_stay_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The pure-Python re-read only decides nesting: an unclosed flow list is still an
    invalid-YAML error at libyaml's line."""
    code, err = generate(tmp_path, GOOD.encode() + b"labels: [[a, b\n", capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "error: invalid YAML:" in err and "nested" not in err, err


def test_a_10_mb_file_is_rejected_in_well_under_a_second(tmp_path: Path) -> None:
    path = tmp_path / "family.yaml"
    path.write_bytes(GOOD.encode() + b"labels:\n" + b"  k: v\n" * 1_500_000)
    start = time.monotonic()
    code = subprocess.run(
        [sys.executable, "-m", "bake", "--config", str(path), "generate"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert time.monotonic() - start < 5
    assert code.returncode == 2 and "Traceback" not in code.stderr
    assert f"larger than {MAX_BYTES} bytes" in code.stderr


def test_a_family_of_a_few_hundred_images_loads_fast(tmp_path: Path) -> None:
    apps = "".join(f"  app{i}:\n    description: App {i}\n" for i in range(300))
    path = tmp_path / "family.yaml"
    write_text(path, GOOD + apps)
    start = time.monotonic()
    assert len(load_config(path).apps) == 301
    assert time.monotonic() - start < 2


def test_an_output_path_that_is_a_folder_is_one_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "docker-bake.json").mkdir()
    write_text(tmp_path / "family.yaml", GOOD)  # with its stub Dockerfiles
    code, err = generate(tmp_path, GOOD.encode(), capsys)
    assert code == 1 and "Traceback" not in err
    assert err.strip() == f"error: cannot write {tmp_path / 'docker-bake.json'}: Is a directory"
    written = sorted(p.name for p in tmp_path.iterdir() if p.name not in ("apps", "base"))
    assert written == ["docker-bake.json", "family.yaml"]


def test_show_into_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    path = tmp_path / "family.yaml"
    write_text(path, GOOD + "".join(f"  a{i}:\n    description: A{i}\n" for i in range(200)))
    proc = subprocess.run(
        f"{sys.executable} -m bake --config {path} show all | head -1",
        shell=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.stdout.startswith("base (base)")
    assert proc.stderr == ""


MERGED = """\
registry: ghcr.io/example/neko
x-defaults: &defaults          # x-… top-level keys are ignored: a place for anchors
  platforms: [linux/amd64, linux/arm64]
  labels: {com.example.team: desktop}
base:
  description: the base
apps:
  firefox:
    <<: *defaults
    description: Firefox
  vlc:
    <<: *defaults
    description: VLC
    platforms: [linux/amd64]
"""


def test_merge_keys_work_and_own_keys_win(tmp_path: Path) -> None:
    path = tmp_path / "family.yaml"
    write_text(path, MERGED)
    firefox, vlc = load_config(path).apps
    assert firefox.platforms == ("linux/amd64", "linux/arm64")
    assert firefox.labels == vlc.labels == {"com.example.team": "desktop"}
    assert vlc.platforms == ("linux/amd64",)
    assert vlc.description == "VLC"


def test_errors_inside_merged_mappings_name_the_overriding_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = """\
registry: ghcr.io/example/neko
base: &base
  description: the base
  platforms: [linux/amd64]
apps:
  firefox:
    <<: *base
    description: Firefox
    platforms: [linux/mips]
"""
    code, err = generate(tmp_path, text.encode(), capsys)
    assert_one_clean_error(tmp_path, code, err, 9, "'linux/mips' is not a known platform")
    assert " at apps.firefox.platforms[0]: " in err


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    """A text that cannot be encoded (a lone surrogate) once left .docker-bake.hcl.* behind."""
    from bake.core.errors import BakeError
    from bake.emit.generated import write_files

    with pytest.raises(BakeError, match="cannot write"):
        write_files({tmp_path / "docker-bake.hcl": "ok", tmp_path / "docker-bake.json": "\ud800"})
    assert list(tmp_path.iterdir()) == []
