"""bake.pipeline with the docker CLI stubbed: the plan, the exact commands, their order,
and the rule that push pushes nothing unless every build and test passed."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bake import generated, host, pipeline, run, sbom
from bake.errors import CommandError, ConfigError, PipelineError, UsageError

TINY = Path(__file__).parent / "fixtures" / "tiny" / "family.yaml"
BROKEN = Path(__file__).parent / "fixtures" / "broken" / "family.yaml"
ARCH = {
    "linux/amd64": ("x86_64", "amd64"),
    "linux/arm64": ("aarch64", "arm64"),
    "linux/arm/v7": ("armv7l", "armhf"),
}


def _plan(path: Path = TINY, selection: str = "all", **options: Any) -> pipeline.Plan:
    options.setdefault("sbom_generator", "off")
    return pipeline.make_plan(
        path,
        selection,
        {"REGISTRY": "127.0.0.1:5000/ns", "TAG": "t"},
        pipeline.Options(**options),
        {},
    )


def test_plan_resolves_the_selection_and_its_platforms() -> None:
    plan = _plan(selection="turbo")
    assert [i.name for i in plan.images] == ["turbo-hello"]
    assert plan.platforms == ("linux/amd64", "linux/arm64")
    assert plan.refs(plan.images[0]) == ("127.0.0.1:5000/ns/turbo-hello:t",)
    assert plan.bake_env() == {
        "REGISTRY": "127.0.0.1:5000/ns",
        "TAG": "t",
        "VERSION": "",
        "SHA": "",
        "CREATED": "",
        "CACHE_REGISTRY": "",
    }


def test_posarg_variables_win_over_the_environment() -> None:
    plan = pipeline.make_plan(TINY, "base", {"TAG": "a"}, None, {"TAG": "b", "VERSION": "1.2.3"})
    assert plan.refs(plan.images[0]) == tuple(
        f"127.0.0.1:5000/bake-tiny/base:{tag}" for tag in ("a", "1.2.3", "1.2", "1")
    )


def test_unknown_selection_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no target or group named 'hellp'; did you mean 'hello'"):
        _plan(selection="hellp")


def test_describe_lists_images_platforms_refs_and_attestations() -> None:
    text = pipeline.describe(_plan(), "build")
    assert text.splitlines()[0] == (
        f"plan: build 'all' from {TINY} (3 images, platforms linux/amd64, linux/arm64, linux/arm/v7)"
    )
    assert pipeline.describe_attestations(sbom.Attestations("gen:1")) == (
        "  attestations: provenance (mode=max), SBOM by gen:1"
    )
    assert pipeline.describe_attestations(sbom.Attestations(None)).endswith("no SBOM")
    assert re.search(
        r"turbo-hello\s+\[accelerator\] linux/amd64, linux/arm64\n\s+→ 127.0.0.1:5000/ns/turbo-hello:t",
        text,
    )


def test_bake_command_is_one_call_for_the_whole_selection() -> None:
    plan = _plan(selection="hello-all", buildx_args=("--no-cache", "--progress=plain"))
    assert pipeline.bake_command(plan, sbom.Attestations("gen:1")) == [
        "docker",
        "buildx",
        "bake",
        "-f",
        "docker-bake.hcl",
        "hello-all",
        "--load",
        "--set",
        "*.attest=type=provenance,mode=max",
        "--set",
        "*.attest=type=sbom,generator=gen:1",
        "--no-cache",
        "--progress=plain",
    ]


def test_options_from_env() -> None:
    assert pipeline.Options.from_env({}) == pipeline.Options()
    options = pipeline.Options.from_env(
        {"BAKE_JOBS": "4", "BAKE_TEST_TIMEOUT": "90", "BAKE_SBOM_GENERATOR": "off"}, ["--pull"]
    )
    assert (options.jobs, options.test_timeout, options.sbom_generator, options.buildx_args) == (
        4,
        90.0,
        "off",
        ("--pull",),
    )
    with pytest.raises(ConfigError, match=r"BAKE_JOBS: expected a number >= 1, got 'many'"):
        pipeline.Options.from_env({"BAKE_JOBS": "many"})
    with pytest.raises(ConfigError, match="BAKE_JOBS"):
        pipeline.Options.from_env({"BAKE_JOBS": "0"})


class FakeDocker:
    """Answers the docker commands the pipeline runs; records them in order."""

    def __init__(self, fail_on: Sequence[tuple[str, str]] = (), build_fails: bool = False) -> None:
        self.commands: list[list[str]] = []
        self.fail_on = fail_on  # (image, platform) whose tests exit 1
        self.build_fails = build_fails
        self.pushed: dict[str, dict[str, Any]] = {}

    def __call__(
        self, cmd: Sequence[str], check: bool = True, **_: object
    ) -> subprocess.CompletedProcess[str]:
        cmd = list(cmd)
        self.commands.append(cmd)
        code, out = self.answer(cmd)
        if check and code != 0:
            raise CommandError(run.failure_message(cmd, code, out, ""))
        return subprocess.CompletedProcess(cmd, code, out, "")

    def answer(self, cmd: list[str]) -> tuple[int, str]:
        if cmd[:2] == ["docker", "version"]:
            return 0, "26.1.5\n"
        if cmd[:3] == ["docker", "buildx", "version"]:
            return 0, "github.com/docker/buildx 0.29.1 x\n"
        if cmd[:2] == ["docker", "info"]:
            return 0, '[["driver-type","io.containerd.snapshotter.v1"]]\n'
        if cmd[:3] == ["docker", "buildx", "bake"]:
            return (1 if self.build_fails else 0), ""
        if cmd[:2] == ["docker", "run"]:
            return self.smoke(cmd)
        if cmd[:3] == ["docker", "image", "inspect"]:
            return 0, self.digest(self.index(cmd[-1])) + "\n"
        if cmd[:2] == ["docker", "push"]:
            self.pushed[cmd[2]] = self.index(cmd[2])
            return 0, ""
        if cmd[:4] == ["docker", "buildx", "imagetools", "inspect"]:
            return self.inspect(cmd[-1])
        raise AssertionError(f"unexpected command {cmd}")

    def smoke(self, cmd: list[str]) -> tuple[int, str]:
        platform, ref, script = cmd[cmd.index("--platform") + 1], cmd[-3], cmd[-1]
        image = ref.rsplit("/", 1)[1].split(":")[0]
        if (image, platform) in self.fail_on and "uname" not in script:
            return 1, "failed on purpose\n"
        uname, dpkg = ARCH[platform]
        outputs = {
            "uname": f"uname={uname} dpkg={dpkg}",
            "tiny-release": f"tiny-base {dpkg}",
            "tiny-hello": f"hello from {dpkg}",
            "turbo.conf": "turbo=on",
        }
        return 0, next(
            (out for key, out in outputs.items() if key in script), "fine broken-base"
        ) + "\n"

    def index(self, ref: str) -> dict[str, Any]:
        image = ref.rsplit("/", 1)[1].split(":")[0]
        platforms = ["linux/amd64", "linux/arm64"] + (
            [] if image == "turbo-hello" else ["linux/arm/v7"]
        )
        manifests = []
        for n, platform in enumerate(platforms):
            os_, arch, *variant = platform.split("/")
            digest = f"sha256:{image[:1]}{n}".ljust(71, "0")
            manifests.append(
                {
                    "digest": digest,
                    "platform": {
                        "os": os_,
                        "architecture": arch,
                        **({"variant": variant[0]} if variant else {}),
                    },
                }
            )
            manifests.append(
                {
                    "digest": digest.replace("0", "f"),
                    "annotations": {
                        "vnd.docker.reference.type": "attestation-manifest",
                        "vnd.docker.reference.digest": digest,
                    },
                    "platform": {"os": "unknown", "architecture": "unknown"},
                }
            )
        return {"mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests}

    @staticmethod
    def digest(index: dict[str, Any]) -> str:
        return "sha256:" + hashlib.sha256(json.dumps(index).encode()).hexdigest()

    def inspect(self, ref: str) -> tuple[int, str]:
        if "@" in ref:
            layer = {
                "annotations": {"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"}
            }
            return 0, json.dumps({"layers": [layer]})
        if ref not in self.pushed:
            return 1, ""
        return 0, json.dumps(self.pushed[ref])


@pytest.fixture
def docker(monkeypatch: pytest.MonkeyPatch) -> FakeDocker:
    fake = FakeDocker()
    monkeypatch.setattr(run, "run", fake)
    monkeypatch.setattr(host, "check_binfmt", lambda platforms: None)
    monkeypatch.setattr(host, "check_registry", lambda registry: None)
    monkeypatch.setattr(generated, "write_files", lambda files: [])
    return fake


def _kinds(commands: list[list[str]]) -> list[str]:
    return [" ".join(c[:3]) if c[1] in ("buildx", "image") else " ".join(c[:2]) for c in commands]


def test_build_checks_the_host_then_runs_one_bake_in_the_family_folder(
    docker: FakeDocker, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    original = docker.__call__

    def spy(cmd: Sequence[str], **kw: Any) -> subprocess.CompletedProcess[str]:
        calls.append(kw)
        return original(cmd, **kw)

    monkeypatch.setattr(run, "run", spy)
    pipeline.build(_plan())
    assert _kinds(docker.commands) == [
        "docker version",
        "docker buildx version",
        "docker info",
        "docker buildx bake",
    ]
    assert calls[-1]["cwd"] == TINY.parent
    assert calls[-1]["env"]["REGISTRY"] == "127.0.0.1:5000/ns"


def test_test_runs_every_check_and_prints_the_table(
    docker: FakeDocker, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.test(_plan())
    runs = [c for c in docker.commands if c[:2] == ["docker", "run"]]
    assert len(runs) == 23
    out = capsys.readouterr().out
    assert "smoke tests: all passed (8 of 8 image × platform cells passed, 23 checks)" in out


def test_push_pushes_every_ref_after_the_tests_and_verifies_it(docker: FakeDocker) -> None:
    verdicts = pipeline.push(_plan())
    kinds = _kinds(docker.commands)
    first_push = kinds.index("docker push")
    assert "docker run" not in kinds[first_push:]
    assert [c[2] for c in docker.commands if c[:2] == ["docker", "push"]] == [
        "127.0.0.1:5000/ns/base:t",
        "127.0.0.1:5000/ns/hello:t",
        "127.0.0.1:5000/ns/turbo-hello:t",
    ]
    assert [v.ref for v in verdicts if v.ok] == list(docker.pushed)


def test_push_pushes_nothing_when_one_platform_fails(
    docker: FakeDocker, capsys: pytest.CaptureFixture[str]
) -> None:
    docker.fail_on = [("app", "linux/arm/v7")]
    with pytest.raises(PipelineError, match="nothing was pushed"):
        pipeline.push(_plan(BROKEN))
    assert not [c for c in docker.commands if c[:2] == ["docker", "push"]]
    out = capsys.readouterr().out
    assert "FAILED app on linux/arm/v7: test 'not-on-armhf'" in out


def test_push_pushes_nothing_when_the_build_fails(docker: FakeDocker) -> None:
    docker.build_fails = True
    with pytest.raises(CommandError, match="nothing was pushed") as info:
        pipeline.push(_plan())
    assert info.value.exit_code == 4
    assert not [c for c in docker.commands if c[:2] in (["docker", "push"], ["docker", "run"])]


def test_push_fails_when_the_registry_holds_something_else(
    docker: FakeDocker, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = docker.inspect

    def drop_arm(ref: str) -> tuple[int, str]:
        code, text = original(ref)
        if "@" in ref or code:
            return code, text
        index = json.loads(text)
        index["manifests"] = [m for m in index["manifests"] if m["platform"].get("variant") != "v7"]
        return 0, json.dumps(index)

    monkeypatch.setattr(docker, "inspect", drop_arm)
    with pytest.raises(PipelineError, match="pushed refs are not as expected"):
        pipeline.push(_plan(selection="base"))
