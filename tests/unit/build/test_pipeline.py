"""bake.build.pipeline with a fake Docker and an in-memory registry handed to the plan (its
seams: ``Plan.docker``, ``Plan.registries``): the plan, the exact commands, their order,
and the rule that push pushes nothing unless every build and test passed."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shlex
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from bake.build import export, pipeline
from bake.core import run
from bake.core.docker import Docker
from bake.core.errors import CommandError, ConfigError, HostError, PipelineError, UsageError
from bake.model import platforms as platforms_table
from bake.model.family import load_family
from bake.publish import registry as publish_registry
from bake.publish import sbom
from bake.publish.registries import Registries

TINY = Path(__file__).parents[2] / "fixtures" / "tiny" / "family.yaml"
BROKEN = Path(__file__).parents[2] / "fixtures" / "broken" / "family.yaml"
ARCH = {
    "linux/amd64": ("x86_64", "amd64"),
    "linux/arm64": ("aarch64", "arm64"),
    "linux/arm/v7": ("armv7l", "armhf"),
}


def _plan(
    path: Path = TINY,
    selection: str = "all",
    platforms: Sequence[str] = (),
    docker: Docker | None = None,
    registries: Registries | None = None,
    **options: Any,
) -> pipeline.Plan:
    options.setdefault("sbom_generator", "off")
    return pipeline.make_plan(
        path,
        selection,
        {"REGISTRY": "127.0.0.1:5000/ns", "TAG": "t"},
        pipeline.Options(**options),
        {},
        platforms,
        docker=docker,
        registries=registries,
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
        "SOURCE": "https://example.invalid/bake-tiny",
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
    out = Path("/out")
    assert pipeline.bake_command(plan, sbom.Attestations("gen:1"), out) == [
        "docker",
        "buildx",
        "bake",
        "-f",
        "docker-bake.hcl",
        "hello-all",
        "--set",
        "hello.output=type=oci,dest=/out/hello.tar,rewrite-timestamp=true",
        "--set",
        "turbo-hello.output=type=oci,dest=/out/turbo-hello.tar,rewrite-timestamp=true",
        "--set",
        "*.attest=type=provenance,mode=max",
        "--set",
        "*.attest=type=sbom,generator=gen:1",
        "--no-cache",
        "--progress=plain",
    ]


def test_options_from_env() -> None:
    state = str(Path.home() / ".cache" / "neko-bake")
    assert pipeline.Options.from_env({}) == pipeline.Options(state=state)
    assert pipeline.Options.from_env({"BAKE_STATE_DIR": "/s"}).state == "/s"
    assert pipeline.Options.from_env({"XDG_CACHE_HOME": "/c"}).state == "/c/neko-bake"
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


def _json(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def _sha(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def oci_tar(path: Path, image: str, platforms: Sequence[str], build: int = 0) -> str:
    """An OCI layout tar as BuildKit writes it: per platform a config, a layer, an image
    manifest and an attestation manifest (``build`` changes only the attestations, as a
    reproducible rebuild does); returns the index digest."""
    blobs: dict[str, bytes] = {}

    def add(body: bytes) -> dict[str, Any]:
        blobs[_sha(body)] = body
        return {"digest": _sha(body), "size": len(body)}

    manifests = []
    for platform in platforms:
        os_, arch, *variant = platform.split("/")
        where = {"os": os_, "architecture": arch, **({"variant": variant[0]} if variant else {})}
        config = add(_json({"architecture": arch, "os": os_, "config": {"Labels": {"i": image}}}))
        layer = add(f"{image} {platform}".encode())
        manifest = add(
            _json({"mediaType": MANIFEST, "config": config, "layers": [layer], "schemaVersion": 2})
        )
        statement = add(_json({"predicateType": PROVENANCE, "build": build, "of": image}))
        statement["annotations"] = {"in-toto.io/predicate-type": PROVENANCE}
        attestation = add(
            _json({"mediaType": MANIFEST, "config": add(b"{}"), "layers": [statement]})
        )
        manifests.append({"mediaType": MANIFEST, **manifest, "platform": where})
        manifests.append(
            {
                "mediaType": MANIFEST,
                **attestation,
                "annotations": {
                    "vnd.docker.reference.type": "attestation-manifest",
                    "vnd.docker.reference.digest": manifest["digest"],
                },
                "platform": {"os": "unknown", "architecture": "unknown"},
            }
        )
    index = add(_json({"schemaVersion": 2, "mediaType": INDEX, "manifests": manifests}))
    top = {"schemaVersion": 2, "manifests": [{"mediaType": INDEX, **index}]}
    with tarfile.open(path, "w") as tar:
        for name, body in [("index.json", _json(top))] + [
            (f"blobs/sha256/{d[7:]}", b) for d, b in blobs.items()
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return str(index["digest"])


class FakeRegistry:
    """A registry in memory, checking what a real one checks (digests, referenced content),
    and serving what it holds, not what was sent: tests can make it lose or change things."""

    def __init__(self) -> None:
        self.blobs: set[tuple[str, str]] = set()
        self.manifests: dict[tuple[str, str], tuple[bytes, str]] = {}
        self.tags: dict[tuple[str, str], str] = {}
        self.records: dict[tuple[str, str], str] = {}
        self.events: list[str] = []
        self.fail_tag: set[str] = set()  # "repo:tag" whose PUT answers 500 (for good)
        self.serve: Callable[[str, str, bytes], bytes] = lambda repo, ref, body: body
        self.docker_commands: list[list[str]] = []  # FakeDocker's log, to order events
        self.first_upload_at = 0
        self.on_first_blob: Callable[[str], None] = lambda repo: None  # per repository
        self.checked: list[str] = []  # the push targets the run checked first

    def has_blob(self, repo: str, digest: str) -> bool:
        return (repo, digest) in self.blobs

    def upload_blob(
        self, repo: str, digest: str, size: int, opener: Callable[[], Any], mount: str = ""
    ) -> None:
        self.first_upload_at = self.first_upload_at or len(self.docker_commands)
        if not any(held == repo for held, _ in self.blobs):
            self.on_first_blob(repo)
        with opener() as blob:
            body = blob.read()
        assert _sha(body) == digest and len(body) == size
        self.blobs.add((repo, digest))

    def put_manifest(self, repo: str, reference: str, body: bytes, media_type: str) -> str:
        digest = _sha(body)
        data = json.loads(body)
        children = [d["digest"] for d in data.get("manifests") or []]
        blobs = [d["digest"] for d in [data.get("config"), *(data.get("layers") or [])] if d]
        for child in children:
            if (repo, child) not in self.manifests:
                raise publish_registry.RegistryError(f"{repo}: MANIFEST_BLOB_UNKNOWN {child}", 400)
        for blob in blobs:
            if (repo, blob) not in self.blobs:
                raise publish_registry.RegistryError(f"{repo}: BLOB_UNKNOWN {blob}", 400)
        if reference.startswith("sha256:"):
            assert reference == digest
        elif f"{repo}:{reference}" in self.fail_tag:
            raise publish_registry.RegistryError(f"PUT {repo}:{reference}: HTTP 500", 500)
        elif reference.endswith(
            ".bake"
        ):  # a release record (bake.publish.release_record), not a tag
            self.records[(repo, reference)] = digest
            self.manifests[(repo, digest)] = (body, media_type)
            return digest
        else:
            self.tags[(repo, reference)] = digest
        self.manifests[(repo, digest)] = (body, media_type)
        self.events.append(f"put {repo}:{reference}")
        return digest

    def get_manifest(self, repo: str, reference: str) -> publish_registry.Manifest | None:
        digest = self.tags.get((repo, reference)) or self.records.get((repo, reference), reference)
        if (repo, digest) not in self.manifests:
            return None
        body, media_type = self.manifests[(repo, digest)]
        body = self.serve(repo, reference, body)
        return publish_registry.Manifest(body, media_type, _sha(body))

    def tag_digests(self) -> dict[str, str]:
        return {f"{repo}:{tag}": digest for (repo, tag), digest in self.tags.items()}

    def seam(self) -> Registries:
        """What the plan talks to: this registry for every host; a check that only notes."""
        return Registries(client=lambda host: self, check=self.checked.append)  # type: ignore[arg-type,return-value]


class FakeProcess:
    """What ``run.start`` returns, for a container that has already finished."""

    def __init__(self, output: str) -> None:
        self.stdout = io.StringIO(output)

    def wait(self) -> int:
        return 0

    def poll(self) -> int:
        return 0

    def kill(self) -> None:
        pass


class FakeDocker:
    """Answers the commands the pipeline runs (docker, git, cosign); records them in order,
    with their keyword arguments. ``family`` is a private copy of the tiny fixture (the
    build writes its generated files there) and ``binfmt`` a binfmt_misc folder with an
    enabled handler for every platform."""

    def __init__(self, registry: FakeRegistry, folder: Path) -> None:
        self.folder = folder
        self.family = self.copy(TINY)
        self.binfmt = folder / "binfmt_misc"
        self.binfmt.mkdir()
        for platform in PLATFORMS["base"]:
            (self.binfmt / platforms_table.get(platform).qemu_handler).write_text(ENABLED_PF)
        self.commands: list[list[str]] = []
        self.options: list[dict[str, Any]] = []
        self.cosign: Callable[[list[str]], tuple[int, str]] = lambda cmd: (0, "")
        self.out = folder  # where the last bake wrote its tars
        self.registry = registry
        registry.docker_commands = self.commands
        self.fail_on: Sequence[tuple[str, str]] = ()  # (image, platform) whose tests exit 1
        self.build_fails = False
        self.build = 0  # bumps the attestations of the next builds (a rebuild)
        self.loaded: dict[str, str] = {}  # image name → loaded index digest
        self.load_differs = False

    def __call__(
        self, cmd: Sequence[str], check: bool = True, **options: Any
    ) -> subprocess.CompletedProcess[str]:
        cmd = list(cmd)
        self.commands.append(cmd)
        self.options.append(options)
        code, out = self.cosign(cmd) if cmd[0] == "cosign" else self.answer(cmd)
        err = "" if code == 0 else "Error: failed on purpose\n"
        if check and code != 0:
            raise CommandError(run.failure_message(cmd, code, out, err))
        return subprocess.CompletedProcess(cmd, code, out, err)

    def seam(self) -> Docker:
        """What the plan runs commands through: this fake, and every program installed."""
        return Docker(
            run=self,
            start=self.start,  # type: ignore[arg-type]
            which=lambda name: f"/usr/bin/{name}",
            binfmt_root=self.binfmt,
        )

    def copy(self, family: Path) -> Path:
        """A private copy of a fixture family (its folder), once."""
        copied = self.folder / family.parent.name / family.name
        if not copied.exists():
            shutil.copytree(family.parent, copied.parent)
        return copied

    def plan(self, family: Path = TINY, selection: str = "all", **kwargs: Any) -> pipeline.Plan:
        """A plan of a fixture family (its copy), acting through this fake and its registry."""
        return _plan(
            self.copy(family),
            selection,
            docker=self.seam(),
            registries=self.registry.seam(),
            **kwargs,
        )

    def answer(self, cmd: list[str]) -> tuple[int, str]:
        if cmd[:2] == ["docker", "version"]:
            return 0, "26.1.5\n"
        if cmd[:3] == ["docker", "buildx", "version"]:
            return 0, "github.com/docker/buildx 0.29.1 x\n"
        if cmd[:2] == ["docker", "info"]:
            return 0, '[["driver-type","io.containerd.snapshotter.v1"]]\n'
        if cmd[:3] == ["docker", "buildx", "bake"]:
            return self.bake(cmd)
        if cmd[:2] == ["docker", "load"]:
            return 0, ""
        if cmd[:2] == ["docker", "run"]:
            return self.smoke(cmd)
        if cmd[:2] == ["docker", "tag"] or cmd[:3] == ["docker", "image", "rm"]:
            return 0, ""
        if cmd[:3] == ["docker", "image", "inspect"]:
            name = cmd[-1].rsplit("/", 1)[1].split(":")[0]
            return 0, ("sha256:" + "0" * 64 if self.load_differs else self.loaded[name]) + "\n"
        if cmd[:4] == ["docker", "buildx", "imagetools", "inspect"]:
            return self.inspect(cmd[-1])
        if cmd[:2] == ["git", "rev-parse"]:
            return 0, "0123abc\n"
        raise AssertionError(f"unexpected command {cmd}")

    def bake(self, cmd: list[str]) -> tuple[int, str]:
        if self.build_fails:
            return 1, ""
        sets = [cmd[i + 1] for i, arg in enumerate(cmd) if arg == "--set"]
        chosen = dict(s.split(".platform=") for s in sets if ".platform=" in s)
        for value in sets:
            if ".output=type=oci,dest=" in value:
                name, rest = value.split(".output=type=oci,dest=")
                self.out = Path(rest.split(",")[0]).parent
                platforms = chosen.get(name, ",".join(PLATFORMS[name])).split(",")
                self.loaded[name] = oci_tar(Path(rest.split(",")[0]), name, platforms, self.build)
        return 0, ""

    def start(self, cmd: Sequence[str], **_: object) -> FakeProcess:
        """A batch container: answers each check of the script between its markers."""
        cmd = list(cmd)
        self.commands.append(cmd)
        lines = cmd[-1].splitlines()
        token = shlex.split(lines[0])[0].removeprefix("T=")
        checks = [shlex.split(line)[2] for line in lines if line.startswith("check ")]
        out = ""
        for index, script in enumerate(checks):
            code, text = self.smoke([*cmd[:-1], script])
            out += f"{token} begin {index}\n{text}\n{token} end {index} {code}\n"
        return FakeProcess(out)

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

    def inspect(self, ref: str) -> tuple[int, str]:
        name, _, digest = ref.partition("@")
        registry_host, _, rest = name.partition("/")
        repo, _, tag = rest.rpartition(":") if not digest else (rest, "", "")
        found = self.registry.get_manifest(repo, digest or tag)
        return (0, found.body.decode()) if found else (1, "")


PLATFORMS = {
    "base": ("linux/amd64", "linux/arm64", "linux/arm/v7"),
    "hello": ("linux/amd64", "linux/arm64", "linux/arm/v7"),
    "turbo-hello": ("linux/amd64", "linux/arm64"),
    "app": ("linux/amd64", "linux/arm64", "linux/arm/v7"),
}
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
PROVENANCE = "https://slsa.dev/provenance/v0.2"


@pytest.fixture
def registry() -> FakeRegistry:
    return FakeRegistry()


ENABLED_PF = "enabled\ninterpreter /usr/libexec/qemu-binfmt/qemu-binfmt-P\nflags: PF\n"


@pytest.fixture
def docker(
    monkeypatch: pytest.MonkeyPatch,
    registry: FakeRegistry,
    tmp_path_factory: pytest.TempPathFactory,
) -> FakeDocker:
    fake = FakeDocker(registry, tmp_path_factory.mktemp("docker"))
    monkeypatch.setenv("BAKE_RETRY_DELAY", "0")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    return fake


def _kinds(commands: list[list[str]]) -> list[str]:
    return [" ".join(c[:3]) if c[1] in ("buildx", "image") else " ".join(c[:2]) for c in commands]


def test_build_checks_the_host_then_runs_one_bake_in_the_family_folder(
    docker: FakeDocker,
) -> None:
    pipeline.build(docker.plan())
    calls = docker.options
    assert _kinds(docker.commands)[:4] == [
        "docker version",
        "docker buildx version",
        "docker info",
        "docker buildx bake",
    ]
    assert _kinds(docker.commands)[4:] == ["docker load", "docker image inspect"] * 3
    assert calls[3]["cwd"] == docker.family.parent
    assert (docker.family.parent / "docker-bake.hcl").read_bytes() == (
        TINY.parent / "docker-bake.hcl"
    ).read_bytes()  # the generated files, written before the build
    assert calls[3]["env"]["REGISTRY"] == "127.0.0.1:5000/ns"
    # A fixed epoch, not the commit time: BuildKit keys WORKDIR's cache on it.
    assert calls[3]["env"]["SOURCE_DATE_EPOCH"] == "0"


def test_source_date_epoch_comes_from_the_environment_or_is_fixed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert export.source_date_epoch({}) == "0"
    assert export.source_date_epoch({"SOURCE_DATE_EPOCH": "1700000000"}) == "1700000000"
    with pytest.raises(ConfigError, match="SOURCE_DATE_EPOCH: expected seconds"):
        export.source_date_epoch({"SOURCE_DATE_EPOCH": "yesterday"})


def test_the_loaded_image_must_be_the_built_tar(docker: FakeDocker) -> None:
    docker.load_differs = True
    with pytest.raises(PipelineError, match=r"base:t: loaded as sha256:0+, but .*base.tar holds"):
        pipeline.build(docker.plan())


def test_platform_option_restricts_the_plan_and_the_bake() -> None:
    plan = _plan(platforms=("linux/arm/v7",))
    assert [(i.name, i.platforms) for i in plan.images] == [
        ("base", ("linux/arm/v7",)),
        ("hello", ("linux/arm/v7",)),
    ]
    cmd = pipeline.bake_command(plan, sbom.Attestations(None), Path("/o"))
    assert cmd[5:11] == [
        "base",
        "hello",
        "--set",
        "base.platform=linux/arm/v7",
        "--set",
        "hello.platform=linux/arm/v7",
    ]
    with pytest.raises(ConfigError, match="'linux/s390x' is not a platform of the family"):
        _plan(platforms=("linux/s390x",))


def test_a_test_run_needs_the_emulator_of_every_foreign_platform(docker: FakeDocker) -> None:
    (docker.binfmt / platforms_table.get("linux/arm/v7").qemu_handler).unlink()
    with pytest.raises(HostError, match="linux/arm/v7: no binfmt_misc handler"):
        pipeline.test(docker.plan())
    assert not [c for c in docker.commands if c[:3] == ["docker", "buildx", "bake"]]


def test_test_runs_every_check_and_prints_the_table(
    docker: FakeDocker, capsys: pytest.CaptureFixture[str]
) -> None:
    outcomes = pipeline.test(docker.plan())
    runs = [c for c in docker.commands if c[:2] == ["docker", "run"]]
    assert len(runs) == 8  # one container per image × platform
    assert len(outcomes) == 23 and all(o.passed for o in outcomes)
    captured = capsys.readouterr()
    assert (
        "smoke tests: all passed (8 of 8 image × platform cells passed, 23 checks)" in captured.out
    )
    progress = [line for line in captured.err.splitlines() if line.startswith("[")]
    assert len(progress) == 23 and progress[-1].startswith("[23/23] ")


def test_a_test_run_pins_what_it_loaded_tests_that_and_unpins_at_the_end(
    docker: FakeDocker,
) -> None:
    """Another session may load its own image under the same tag: the checks run this
    run's images under run-private names, tagged right after the loads were checked."""
    pipeline.test(docker.plan())
    kinds = _kinds(docker.commands)
    pins = [c for c in docker.commands if c[:2] == ["docker", "tag"]]
    assert [c[2] for c in pins] == [f"127.0.0.1:5000/ns/{i}:t" for i in PLATFORMS if i != "app"]
    assert all(re.fullmatch(r"bake\.invalid/run-\w+/[a-z-]+:tested", c[3]) for c in pins)
    first_pin = docker.commands.index(pins[0])
    assert kinds[first_pin - 6 : first_pin] == ["docker load", "docker image inspect"] * 3
    runs = [c for c in docker.commands if c[:2] == ["docker", "run"]]
    assert {c[c.index("/bin/sh") + 1] for c in runs} == {c[3] for c in pins}
    assert docker.commands[-1] == ["docker", "image", "rm", *(c[3] for c in pins)]


def test_push_uploads_everything_by_digest_then_sets_every_tag_then_verifies(
    docker: FakeDocker, registry: FakeRegistry
) -> None:
    verdicts = pipeline.push(docker.plan())
    first_tag = next(
        i for i, e in enumerate(registry.events) if not e.split(":", 1)[1].startswith("sha256")
    )
    assert all(not e.split(":", 1)[1].startswith("sha256") for e in registry.events[first_tag:])
    assert registry.tag_digests() == {
        f"ns/{name}:t": docker.loaded[name] for name in ("base", "hello", "turbo-hello")
    }
    assert [v.ref for v in verdicts if v.ok] == [
        f"127.0.0.1:5000/ns/{name}:t" for name in ("base", "hello", "turbo-hello")
    ]
    assert registry.checked == ["127.0.0.1:5000/ns"]  # the push target, checked first
    # every smoke test ran before the first upload
    assert registry.first_upload_at > 0
    assert "docker run" not in _kinds(docker.commands)[registry.first_upload_at :]


def test_a_second_push_of_the_same_images_moves_no_tag(
    docker: FakeDocker, registry: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.push(docker.plan())
    before = registry.tag_digests()
    docker.build += 1  # a rebuild: new attestations, the same image manifests
    capsys.readouterr()
    pipeline.push(docker.plan())
    assert registry.tag_digests() == before
    out = capsys.readouterr().out
    assert out.count("unchanged") == 3 and "[same images]" in out
    assert not [e for e in registry.events[-20:] if e.endswith(":t")]


def test_push_pushes_nothing_when_one_platform_fails(
    docker: FakeDocker, registry: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    docker.fail_on = [("app", "linux/arm/v7")]
    with pytest.raises(PipelineError, match="nothing was uploaded and no tag was set"):
        pipeline.push(docker.plan(BROKEN))
    assert not registry.events
    out = capsys.readouterr().out
    assert "FAILED app on linux/arm/v7: test 'not-on-armhf'" in out


def test_push_pushes_nothing_when_the_build_fails(
    docker: FakeDocker, registry: FakeRegistry
) -> None:
    docker.build_fails = True
    with pytest.raises(CommandError, match="nothing was uploaded") as info:
        pipeline.push(docker.plan())
    assert info.value.exit_code == 4
    assert not registry.events
    assert "docker run" not in _kinds(docker.commands)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("drop arm/v7", "hello on linux/arm/v7: the uploaded index holds None, not the tested"),
        ("drop attestations", "linux/amd64: no attestation manifest"),
    ],
)
def test_no_tag_is_set_when_the_registry_holds_something_else(
    docker: FakeDocker,
    registry: FakeRegistry,
    capsys: pytest.CaptureFixture[str],
    change: str,
    problem: str,
) -> None:
    def serve(repo: str, reference: str, body: bytes) -> bytes:
        index = json.loads(body)
        if repo != "ns/hello" or "manifests" not in index:
            return body
        if change == "drop arm/v7":
            keep = [m for m in index["manifests"] if m["platform"].get("variant") != "v7"]
        else:
            keep = [m for m in index["manifests"] if m["platform"]["os"] != "unknown"]
        return _json({**index, "manifests": keep})

    registry.serve = serve
    with pytest.raises(PipelineError, match="no tag was set") as info:
        pipeline.push(docker.plan())
    assert registry.tags == {}
    assert problem in str(info.value) + capsys.readouterr().out


def test_a_tag_that_cannot_be_moved_is_reported_and_a_rerun_converges(
    docker: FakeDocker, registry: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    registry.fail_tag = {"ns/hello:t"}
    with pytest.raises(PipelineError, match="2 of 3 tags could not be set"):
        pipeline.push(docker.plan())
    out = capsys.readouterr().out
    assert re.search(r"new +127.0.0.1:5000/ns/base:t +→ sha256:", out)
    assert re.search(r"FAILED +127.0.0.1:5000/ns/hello:t +→ absent \(wanted sha256:", out)
    assert re.search(r"not moved +127.0.0.1:5000/ns/turbo-hello:t +→ absent \(wanted", out)
    assert list(registry.tag_digests()) == ["ns/base:t"]
    registry.fail_tag = set()
    pipeline.push(docker.plan())
    out = capsys.readouterr().out
    assert re.search(r"unchanged +127.0.0.1:5000/ns/base:t", out)
    assert len(registry.tag_digests()) == 3


def test_stage_writes_records_and_merge_tags_one_index_per_image(
    docker: FakeDocker, registry: FakeRegistry, tmp_path: Path
) -> None:
    for platform in PLATFORMS["base"]:
        pipeline.stage(docker.plan(platforms=(platform,)), tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(
        f"{i}@{p.replace('/', '-')}.json"
        for i in ("base", "hello", "turbo-hello")
        for p in PLATFORMS[i]
    )
    record = json.loads((tmp_path / "hello@linux-arm-v7.json").read_text())
    assert set(record) == {
        "image",
        "platform",
        "repository",
        "digest",
        "tested",
        "status",
        "attempt",
    }
    assert registry.tags == {}
    verdicts = pipeline.merge(docker.plan(), tmp_path)
    assert all(v.ok for v in verdicts) and len(registry.tags) == 3
    merged = json.loads(registry.manifests[("ns/hello", registry.tags[("ns/hello", "t")])][0])
    held = [m["platform"] for m in merged["manifests"] if m["platform"]["os"] != "unknown"]
    assert len(held) == 3 and len(merged["manifests"]) == 6


def test_merge_tags_nothing_when_a_record_is_missing_or_failed(
    docker: FakeDocker, registry: FakeRegistry, tmp_path: Path
) -> None:
    for platform in ("linux/amd64", "linux/arm64"):
        pipeline.stage(docker.plan(platforms=(platform,)), tmp_path)
    docker.fail_on = [("hello", "linux/arm/v7")]
    with pytest.raises(PipelineError, match="smoke checks failed"):
        pipeline.stage(docker.plan(platforms=("linux/arm/v7",)), tmp_path)
    assert json.loads((tmp_path / "hello@linux-arm-v7.json").read_text())["status"] == "failed"
    with pytest.raises(PipelineError) as info:
        pipeline.merge(docker.plan(), tmp_path)
    assert "no tag was set" in str(info.value)
    assert "base on linux/arm/v7: no record (base@linux-arm-v7.json missing)" in str(info.value)
    assert "hello on linux/arm/v7: failed" in str(info.value)
    assert registry.tags == {}


def test_merge_signs_before_any_tag_and_a_failed_verification_tags_nothing(
    docker: FakeDocker,
    registry: FakeRegistry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "cosign.key").write_text("private")
    (tmp_path / "cosign.pub").write_text("public")
    monkeypatch.setenv("COSIGN_PASSWORD", "")
    monkeypatch.setenv("GITHUB_SHA", "abc123")  # the commit (else `git rev-parse HEAD`)
    for platform in PLATFORMS["base"]:
        pipeline.stage(docker.plan(platforms=(platform,)), tmp_path / "digests")
    signed: list[tuple[str, dict[Any, Any]]] = []  # (ref, the tags at that moment)
    predicates: list[dict[str, Any]] = []

    def cosign(cmd: list[str]) -> tuple[int, str]:
        if cmd[1] == "sign":
            signed.append((cmd[-1], dict(registry.tags)))
        if cmd[1] == "attest":
            predicates.append(json.loads(Path(cmd[cmd.index("--predicate") + 1]).read_text()))
        return (1, "") if cmd[1] == "verify" else (0, "")  # the signature does not verify

    docker.cosign = cosign
    plan = docker.plan(sign=f"key:{tmp_path / 'cosign.key'}")
    with pytest.raises(PipelineError, match="the signature does not verify"):
        pipeline.merge(plan, tmp_path / "digests")
    assert registry.tags == {}
    assert [ref.split("/")[-1].split("@")[0] for ref, _ in signed] == [
        "base",
        "hello",
        "turbo-hello",
    ]
    assert all(tags_then == {} for _, tags_then in signed)
    assert all("@sha256:" in ref for ref, _ in signed)  # by digest: no tag is signed
    keys = {c[c.index("--key") + 1] for c in docker.commands if c[:2] == ["cosign", "sign"]}
    assert keys == {str(tmp_path / "cosign.key")}
    assert "abc123" in json.dumps(predicates[0])  # the commit, in the provenance


def test_a_rerun_attempt_replaces_the_failed_one_and_merge_converges(
    docker: FakeDocker, registry: FakeRegistry, tmp_path: Path
) -> None:
    """As "Re-run failed jobs" on GitHub: each attempt's records land in their own folder
    (artifacts are per attempt); the merge reads only each cell's latest attempt."""
    first, second = tmp_path / "digests-arm-attempt-1", tmp_path / "digests-arm-attempt-2"
    for platform in ("linux/amd64", "linux/arm64"):
        pipeline.stage(docker.plan(platforms=(platform,)), tmp_path / f"digests-{platform[6:]}-1")
    docker.fail_on = [("hello", "linux/arm/v7")]
    with pytest.raises(PipelineError, match="smoke checks failed"):
        pipeline.stage(docker.plan(platforms=("linux/arm/v7",)), first)
    with pytest.raises(PipelineError, match="hello on linux/arm/v7: failed"):
        pipeline.merge(docker.plan(), tmp_path)
    docker.fail_on = []
    pipeline.stage(docker.plan(platforms=("linux/arm/v7",), attempt=2), second)
    record = json.loads((second / "hello@linux-arm-v7.json").read_text())
    assert (record["status"], record["attempt"]) == ("passed", 2)
    # The failed attempt's record is still there, beside the new one; it no longer counts.
    assert json.loads((first / "hello@linux-arm-v7.json").read_text())["status"] == "failed"
    verdicts = pipeline.merge(docker.plan(), tmp_path)
    assert all(v.ok for v in verdicts) and len(registry.tags) == 3


def test_stage_deletes_each_tar_once_it_is_uploaded(
    docker: FakeDocker, registry: FakeRegistry, tmp_path: Path
) -> None:
    """A full OCI tar per image would fill a runner's disk: each goes once uploaded."""
    on_disk: list[list[str]] = []
    registry.on_first_blob = lambda repo: on_disk.append(
        sorted(p.name for p in docker.out.glob("*.tar"))
    )
    pipeline.stage(docker.plan(platforms=("linux/amd64",)), tmp_path / "digests")
    assert on_disk == [
        ["base.tar", "hello.tar", "turbo-hello.tar"],
        ["hello.tar", "turbo-hello.tar"],
        ["turbo-hello.tar"],
    ]


def test_a_loaded_family_is_planned_as_it_is() -> None:
    family = load_family(TINY)
    overrides = {"REGISTRY": "127.0.0.1:5000/ns", "TAG": "t"}
    plan = pipeline.make_plan(TINY, "turbo", overrides, None, {}, family=family)
    assert plan.family is family  # not loaded again
    assert plan == pipeline.make_plan(TINY, "turbo", overrides, None, {})
