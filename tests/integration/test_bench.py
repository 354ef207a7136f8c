"""The benchmark harness (benchmarks/): its pure parts, and the quick run CI does so the
bench code cannot rot. No timing is asserted anywhere: benchmarks are not tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bake.model.family import load_family
from bake.publish import sbom
from benchmarks import copies, p1_generate, reference, reference_builds, scoped_cache
from benchmarks.families import BENCH_FIXTURE, TINY_FIXTURE, copy_fixture
from benchmarks.table import Row, render

ROOT = Path(__file__).resolve().parents[2]


def test_records_of_run_are_its_stamped_records_and_what_was_built_on_them() -> None:
    records = [
        {"ID": "deb", "Description": "FROM debian", "Parents": None},
        {"ID": "run", "Description": 'exec echo "bench-run r1" > /x', "Parents": ["deb"]},
        {"ID": "copy", "Description": "COPY app", "Parents": ["run"]},
        {"ID": "exec", "Description": "RUN app", "Parents": ["copy"]},
        {"ID": "other", "Description": 'exec echo "bench-run r2"', "Parents": ["deb"]},
        {"ID": "theirs", "Description": "COPY app", "Parents": ["other"]},
    ]
    assert scoped_cache.records_of_run("r1", records) == {"run", "copy", "exec"}
    assert scoped_cache.records_of_run("r3", records) == set()


def test_copy_fixture_stamps_the_run_id(tmp_path: Path) -> None:
    bench = copy_fixture(BENCH_FIXTURE, tmp_path / "bench", "abc123")
    tiny = copy_fixture(TINY_FIXTURE, tmp_path / "tiny", "def456")
    assert "bench-run abc123" in (bench.parent / "dockerfiles/base/Dockerfile").read_text()
    assert 'echo "bench-run def456"' in (tiny.parent / "dockerfiles/base/Dockerfile").read_text()
    assert len(load_family(bench).images) == 5  # base, three apps, one variant


@pytest.mark.docker
def test_image_by_image_pushes_parents_and_pulls_them_from_the_registry(tmp_path: Path) -> None:
    copy = copies.Copy(tmp_path, copies.fixture(BENCH_FIXTURE), "seq")
    attest = sbom.Attestations(sbom_generator="127.0.0.1:5000/scanner:1")
    commands = {cmd[cmd.index("--tag") + 1]: cmd for cmd in copies.image_by_image(copy, attest)}
    tag = copy.run_id

    def of(name: str) -> list[str]:
        return commands[f"127.0.0.1:5000/t-bench-seq/{name}:{tag}"]

    assert list(commands)[0].endswith(f"/base:{tag}")  # parents first
    assert "--push" in of("base") and "--push" in of("alpha")
    assert "--load" in of("beta") and "--load" in of("turbo-alpha")
    beta = of("beta")
    assert f"base=docker-image://127.0.0.1:5000/t-bench-seq/base:{tag}" in beta
    turbo = of("turbo-alpha")
    assert f"app=docker-image://127.0.0.1:5000/t-bench-seq/alpha:{tag}" in turbo
    assert turbo[turbo.index("--platform") + 1] == "linux/amd64,linux/arm64"
    assert "type=sbom,generator=127.0.0.1:5000/scanner:1" in turbo


@pytest.mark.docker
def test_image_by_image_on_the_reference_family_honours_the_platform_filter(
    tmp_path: Path,
) -> None:
    """firefox-all: the base is built (and pushed) too; each image's platforms are
    intersected with the filter; the shared inline Dockerfile goes to a file."""
    what = reference_builds.subject(("linux/amd64", "linux/arm64"))
    copy = copies.Copy(tmp_path, what, "seq")
    commands = copies.image_by_image(copy, sbom.Attestations(sbom_generator=""))
    by_name = {cmd[cmd.index("--tag") + 1].split("/")[-1].split(":")[0]: cmd for cmd in commands}
    assert list(by_name) == ["base", "firefox", "nvidia-firefox", "intel-firefox"]
    platforms = {name: cmd[cmd.index("--platform") + 1] for name, cmd in by_name.items()}
    assert platforms == {
        "base": "linux/amd64,linux/arm64",
        "firefox": "linux/amd64,linux/arm64",
        "nvidia-firefox": "linux/amd64,linux/arm64",
        "intel-firefox": "linux/amd64",
    }
    firefox = by_name["firefox"]
    assert "--push" in firefox and "--load" in by_name["intel-firefox"]
    ref = f"127.0.0.1:5000/t-bench-ref-seq/base:{copy.run_id}"
    assert f"base=docker-image://{ref}" in firefox and "PACKAGES=firefox-esr" in firefox
    dockerfile = Path(firefox[firefox.index("--file") + 1])
    text = dockerfile.read_text(encoding="utf-8")
    assert "ARG PARENT=base" in text and "FROM ${PARENT}" in text  # unescaped from --print


def test_build_command_maps_a_resolved_target_and_refuses_what_it_cannot_build() -> None:
    targets = {
        "app": {"tags": ["r/app:1", "r/alias:1"], "context": "a", "dockerfile": "D"},
        "variant": {
            "context": ".",
            "dockerfile": "/x/inline.Dockerfile",
            "contexts": {"app": "target:app", "files": "dockerfiles/v"},
            "args": {"PACKAGES": "a b"},
            "labels": {"title": "variant"},
            "tags": ["r/variant:1"],
            "cache-from": ["type=registry,ref=r/cache"],
        },
    }
    app = copies.build_command(targets["app"], ["linux/amd64"], True, [], targets)
    assert app[app.index("--file") + 1] == "a/D" and app[-1] == "a"
    assert app.count("--tag") == 2 and "--push" in app
    variant = copies.build_command(targets["variant"], ["linux/arm64"], False, ["x"], targets)
    assert variant[variant.index("--file") + 1] == "/x/inline.Dockerfile"
    assert "app=docker-image://r/app:1" in variant and "files=dockerfiles/v" in variant
    assert "PACKAGES=a b" in variant and "title=variant" in variant and "--load" in variant
    assert "--cache-from" not in variant and variant[variant.index("--attest") + 1] == "x"
    with pytest.raises(ValueError, match="secret"):
        copies.build_command({"tags": ["t"], "secret": ["id=s"]}, ["p"], False, [], {})


def test_needed_platforms_of_firefox_all_under_a_filter(tmp_path: Path) -> None:
    copy = copies.Copy(tmp_path, reference_builds.subject(("linux/amd64", "linux/arm64")), "x")
    assert [image.name for image in copy.plan.images] == [
        "firefox",
        "nvidia-firefox",
        "intel-firefox",
    ]
    assert copies.needed_platforms(copy.plan) == {
        "base": ("linux/amd64", "linux/arm64"),
        "firefox": ("linux/amd64", "linux/arm64"),
        "nvidia-firefox": ("linux/amd64", "linux/arm64"),
        "intel-firefox": ("linux/amd64",),
    }


def test_reference_p2_p4_rows_and_only_flag() -> None:
    samples = reference_builds.BuildSamples(baseline=[300.0], cold=[200.0], cached=[40.0])
    rows = {row.id: row for row in reference_builds.rows(samples)}
    assert rows["P2"].ratio == pytest.approx(200 / 300) and rows["P2"].met == "NO"
    assert rows["P4"].ratio == pytest.approx(0.2) and rows["P4"].met == "NO"
    only_p4 = reference_builds.rows(reference_builds.BuildSamples(cold=[1.0], cached=[0.1]))
    assert [row.id for row in only_p4] == ["P4"]
    with pytest.raises(SystemExit):
        reference.main(["--only", "P2,P9"])


def test_render_shows_ratio_goal_and_verdict() -> None:
    table = render(
        [
            Row("P1", "generate", "print 1.00 s", "0.40 s", 0.4, 1.0),
            Row("P3", "no-op", "cold 10 s", "2 s", 0.2, 0.03, percent=True, note="why"),
            Row("P6", "stage", "n/a", "n/a", None, None),
        ]
    )
    lines = table.splitlines()
    header = [cell.strip() for cell in lines[0].split("|")[1:-1]]
    assert header == ["id", "measure", "baseline", "ours", "ratio", "goal", "met?"]
    assert len({len(line) for line in lines[:5]}) == 1  # columns line up
    assert "0.40×" in lines[2] and "≤ 1.00×" in lines[2] and lines[2].rstrip(" |").endswith("yes")
    assert "20.0 %" in lines[3] and "≤ 3.0 %" in lines[3] and "NO" in lines[3]
    assert lines[4].count("n/a") >= 3
    assert lines[-1] == "- P3: why"


@pytest.mark.docker
def test_quick_bench_prints_the_table() -> None:
    """What CI runs: P1 on 10 and 30 targets, P3 on the tiny fixture (87 s here)."""
    proc = subprocess.run(
        [sys.executable, "benchmarks/bench.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("machine: ") and " cores, " in lines[0] and "buildx " in lines[0]
    ids = [line.split("|")[1].strip() for line in lines[3:] if line.startswith("|")]
    assert ids == ["P1-10", "P1", "P1-lin", "P3"]
    for line in lines[3:7]:
        ratio = line.split("|")[5].strip()
        number = ratio.rstrip("×% ").lstrip("-")
        assert ratio.endswith(("×", "%")) and number.replace(".", "", 1).isdigit(), line


def test_p1_linearity_compares_the_last_step_with_the_one_before() -> None:
    steady = p1_generate._linearity([(100, 1.0, 0.5), (300, 1.4, 0.9), (600, 2.0, 1.5)])
    assert steady.ratio == pytest.approx(1.0) and steady.met == "yes"  # 2 ms per target twice
    growing = p1_generate._linearity([(100, 1.0, 0.5), (300, 1.2, 0.9), (600, 2.0, 1.5)])
    assert growing.ratio == pytest.approx((0.8 / 300) / (0.2 / 200)) and growing.met == "NO"


def test_reference_copy_is_cold_from_a_root_step_of_the_base(tmp_path: Path) -> None:
    config = reference.copy_reference(tmp_path / "copies" / "ref1", "ref1")
    lines = (config.parent / "dockerfiles/base/Dockerfile").read_text().splitlines()
    stamp = lines.index('RUN echo "bench-run ref1" > /etc/bench-run')
    assert lines[stamp + 1].startswith("USER ")  # still root, after the package installs
    plan = reference.plan_for(config.parent, ("linux/amd64",))
    assert [image.name for image in plan.images] == ["firefox"]
    assert plan.refs(plan.images[0])[0] == "127.0.0.1:5000/t-bench-ref/firefox:ref1"


def test_reference_rows_and_smoke_breakdown() -> None:
    samples = reference.Samples(cold=[40.0], noop=[1.2, 1.4, 1.3], plain_noop=[0.5, 0.6, 0.4])
    samples.smoke, samples.checks, samples.cells = [10.0], 30, 3
    rows = {row.id: row for row in reference.rows(samples)}
    assert rows["P3"].ratio == pytest.approx(1.3 / 40) and rows["P3"].met == "NO"
    assert rows["P3b"].ratio == pytest.approx(1.3 / 0.5) and rows["P3b"].met == "yes"
    assert rows["P5"].ratio == pytest.approx(0.25) and rows["P5"].met == "NO"
    text = (
        "[1/3] firefox linux/amd64 architecture pass 0.1s\n"
        "[2/3] firefox linux/arm64 xvfb pass 4.0s\n"
        "[3/3] firefox linux/arm64 architecture pass 0.5s\n"
    )
    line = reference.breakdown(text)
    assert "linux/amd64 0.1 s, linux/arm64 4.5 s" in line
    assert line.endswith(
        "slowest: xvfb@linux/arm64 4.0 s, architecture@linux/arm64 0.5 s, "
        "architecture@linux/amd64 0.1 s"
    )
