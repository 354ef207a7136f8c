"""bake.publish.signing without cosign: BAKE_SIGN's modes and their errors, the exact cosign
command lines of each mode, and what "the SBOM is verified" checks, on index JSON.
(The commands run for real in tests/integration/test_signing_docker.py.)"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from bake.core.errors import ConfigError, HostError
from bake.publish import sbom, signing
from bake.publish.signing import Mode

GITHUB = {
    "ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.example.invalid",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_WORKFLOW_REF": "me/neko/.github/workflows/images.yml@refs/tags/v1.0.0",
}
IDENTITY = "https://github.com/me/neko/.github/workflows/images.yml@refs/tags/v1.0.0"
LOCAL = "127.0.0.1:5000/ns/base@sha256:" + "a" * 64
REMOTE = "ghcr.io/me/neko/base@sha256:" + "a" * 64


@pytest.fixture
def key(tmp_path: Path) -> Path:
    (tmp_path / "cosign.key").write_text("private")
    (tmp_path / "cosign.pub").write_text("public")
    return tmp_path / "cosign.key"


@pytest.mark.parametrize("setting", ["", "off", "OFF", " none "])
def test_off_is_the_default(setting: str) -> None:
    assert signing.parse_mode(setting, {}) == Mode()
    assert not Mode().on


def test_keyless_takes_the_workflow_identity() -> None:
    mode = signing.parse_mode("keyless", GITHUB)
    assert mode == Mode("keyless", identity=IDENTITY)


def test_keyless_outside_github_actions_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="id-token: write") as info:
        signing.parse_mode("keyless", {"GITHUB_WORKFLOW_REF": "x"})
    assert info.value.exit_code == 2
    assert "\n" not in str(info.value)


def test_a_key_pair_and_its_password(key: Path) -> None:
    mode = signing.parse_mode(f"key:{key}", {"COSIGN_PASSWORD": ""})
    assert mode == Mode("key", key=key.resolve())
    assert mode.public_key == key.with_suffix(".pub").resolve()


@pytest.mark.parametrize(
    ("setting", "env", "message"),
    [
        ("key:{missing}", {"COSIGN_PASSWORD": ""}, "no such file"),
        ("key:{key}", {}, "set COSIGN_PASSWORD"),
        ("key:", {}, "expected off, keyless or key:<path>, got 'key:'"),
        ("sigstore", {}, "expected off, keyless or key:<path>"),
    ],
)
def test_bad_settings_say_what_is_expected(
    key: Path, setting: str, env: dict[str, str], message: str
) -> None:
    text = setting.format(key=key, missing=key.parent / "other.key")
    with pytest.raises(ConfigError, match="BAKE_SIGN") as info:
        signing.parse_mode(text, env)
    assert message in str(info.value)


def test_the_public_key_must_be_beside_the_private_key(key: Path) -> None:
    key.with_suffix(".pub").unlink()
    with pytest.raises(ConfigError, match=r"cosign\.pub: no such file"):
        signing.parse_mode(f"key:{key}", {"COSIGN_PASSWORD": ""})


def test_signing_without_cosign_is_a_host_error(
    key: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no cosign on it
    signing.check_host(Mode())  # off: cosign is not needed
    with pytest.raises(HostError, match="cosign: command not found") as info:
        signing.check_host(Mode("key", key=key))
    assert info.value.exit_code == 3


def test_key_mode_commands_keep_the_transparency_log_off_and_allow_a_local_http_registry(
    key: Path,
) -> None:
    mode = Mode("key", key=key)
    pub = str(key.with_suffix(".pub"))
    assert signing.sign_command(mode, LOCAL) == [
        "cosign", "sign", "--yes", "--key", str(key), "--tlog-upload=false",
        "--allow-http-registry", LOCAL,
    ]  # fmt: skip
    assert signing.attest_command(mode, LOCAL, Path("p.json")) == [
        "cosign", "attest", "--yes", "--type", "slsaprovenance1", "--predicate", "p.json",
        "--key", str(key), "--tlog-upload=false", "--allow-http-registry", LOCAL,
    ]  # fmt: skip
    assert signing.verify_command(mode, LOCAL) == [
        "cosign", "verify", "--key", pub, "--insecure-ignore-tlog", "--allow-http-registry",
        LOCAL,
    ]  # fmt: skip
    assert signing.verify_attestation_command(mode, LOCAL) == [
        "cosign", "verify-attestation", "--type", "slsaprovenance1", "--key", pub,
        "--insecure-ignore-tlog", "--allow-http-registry", LOCAL,
    ]  # fmt: skip


def test_keyless_commands_use_the_log_and_demand_the_workflow_certificate() -> None:
    mode = Mode("keyless", identity=IDENTITY)
    assert signing.sign_command(mode, REMOTE) == ["cosign", "sign", "--yes", REMOTE]
    assert signing.attest_command(mode, REMOTE, Path("p.json")) == [
        "cosign", "attest", "--yes", "--type", "slsaprovenance1", "--predicate", "p.json",
        REMOTE,
    ]  # fmt: skip
    trust = [
        "--certificate-identity", IDENTITY,
        "--certificate-oidc-issuer", "https://token.actions.githubusercontent.com",
    ]  # fmt: skip
    assert signing.verify_command(mode, REMOTE) == ["cosign", "verify", *trust, REMOTE]
    assert signing.verify_attestation_command(mode, REMOTE) == [
        "cosign", "verify-attestation", "--type", "slsaprovenance1", *trust, REMOTE,
    ]  # fmt: skip


# --- the SBOM check ----------------------------------------------------------------------


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


IMAGE, ATTESTATION, LAYER = _digest("image"), _digest("attestation"), _digest("sbom")


def _index(*, attested: bool = True) -> dict[str, Any]:
    manifests: list[dict[str, Any]] = [
        {"digest": IMAGE, "platform": {"os": "linux", "architecture": "arm64"}}
    ]
    if attested:
        manifests.append(
            {
                "digest": ATTESTATION,
                "platform": {"os": "unknown", "architecture": "unknown"},
                "annotations": {
                    "vnd.docker.reference.type": "attestation-manifest",
                    "vnd.docker.reference.digest": IMAGE,
                },
            }
        )
    return {"manifests": manifests}


def _reader(predicate: str = "https://spdx.dev/Document", subject: str = IMAGE) -> sbom.ReadJson:
    def read(repository: str, digest: str, blob: bool) -> dict[str, Any]:
        assert repository == "r/ns/base"
        if not blob:
            assert digest == ATTESTATION
            annotation = {"in-toto.io/predicate-type": predicate}
            return {"layers": [{"digest": LAYER, "annotations": annotation}]}
        assert digest == LAYER
        return {
            "predicateType": predicate,
            "subject": [{"digest": {"sha256": subject.removeprefix("sha256:")}}],
        }

    return read


def test_an_spdx_statement_about_each_platform_manifest_is_a_verified_sbom() -> None:
    assert sbom.sbom_problems(_index(), "r/ns/base", _reader()) == []


def test_a_platform_without_an_attestation_manifest_has_no_sbom() -> None:
    problems = sbom.sbom_problems(_index(attested=False), "r/ns/base", _reader())
    assert problems == ["linux/arm64: no attestation manifest, so no SBOM"]


def test_provenance_alone_is_not_an_sbom() -> None:
    read = _reader(predicate="https://slsa.dev/provenance/v0.2")
    assert sbom.sbom_problems(_index(), "r/ns/base", read) == [
        "linux/arm64: its attestation manifest holds no SPDX SBOM"
    ]


def test_an_sbom_about_another_image_is_refused() -> None:
    other = _digest("other")
    problems = sbom.sbom_problems(_index(), "r/ns/base", _reader(subject=other))
    assert problems == [
        f"linux/arm64: the SBOM describes ['{other.removeprefix('sha256:')}'], not {IMAGE}"
    ]


def test_off_signs_nothing() -> None:
    def read(*args: Any) -> dict[str, Any]:
        raise AssertionError("nothing is read when signing is off")

    sealing = signing.Sealing(mode=Mode(), records=(), sbom_required=True, env={})
    signing.seal([], sealing, read)
    assert json.dumps(Mode().describe()) == '"not signed (BAKE_SIGN=off)"'
