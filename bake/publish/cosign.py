"""Signing modes (``BAKE_SIGN``) and the cosign command lines they make (pure).

``off`` (the default), ``keyless`` (GitHub Actions' OIDC token, the certificate of this
very workflow) or ``key:<path/cosign.key>`` (a key pair, transparency log off); what is
signed, attested and verified, and when: bake.publish.signing.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bake.core.errors import ConfigError, HostError
from bake.publish import endpoint

__all__ = [
    "ISSUER",
    "KEY",
    "KEYLESS",
    "OFF",
    "Mode",
    "attest_command",
    "check_host",
    "parse_mode",
    "sign_command",
    "verify_attestation_command",
    "verify_command",
]

ISSUER = "https://token.actions.githubusercontent.com"  # GitHub Actions' OIDC issuer
OFF, KEY, KEYLESS = "off", "key", "keyless"


@dataclass(frozen=True)
class Mode:
    """How to sign: ``off``, ``key`` (a cosign key pair) or ``keyless`` (GitHub OIDC)."""

    kind: str = OFF
    key: Path | None = None  # key: the private key; the public key is beside it (.pub)
    identity: str = ""  # keyless: the certificate identity the signature must carry

    @property
    def on(self) -> bool:
        return self.kind != OFF

    @property
    def public_key(self) -> Path:
        assert self.key is not None
        return self.key.with_suffix(".pub")

    def describe(self) -> str:
        if self.kind == KEY:
            return f"signed with the key {self.key} (transparency log off)"
        if self.kind == KEYLESS:
            return f"signed keyless as {self.identity}"
        return "not signed (BAKE_SIGN=off)"


def parse_mode(setting: str, env: Mapping[str, str]) -> Mode:
    """``BAKE_SIGN``: ``off`` (or empty), ``keyless``, or ``key:<path to cosign.key>``."""
    value = setting.strip()
    if value.lower() in ("", OFF, "none", "false", "0"):
        return Mode()
    if value == KEYLESS:
        if not env.get("ACTIONS_ID_TOKEN_REQUEST_URL") or not env.get("GITHUB_WORKFLOW_REF"):
            raise ConfigError(
                "environment",
                "BAKE_SIGN",
                "keyless signing needs GitHub Actions' OIDC token (`permissions: id-token: "
                "write` in the job); elsewhere use key:<path to cosign.key>",
            )
        server = env.get("GITHUB_SERVER_URL") or "https://github.com"
        return Mode(KEYLESS, identity=f"{server}/{env['GITHUB_WORKFLOW_REF']}")
    if value.startswith(f"{KEY}:") and value != f"{KEY}:":
        return _key_mode(Path(value.removeprefix(f"{KEY}:")).expanduser(), env)
    raise ConfigError(
        "environment", "BAKE_SIGN", f"expected off, keyless or key:<path>, got {setting!r}"
    )


def check_host(mode: Mode, which: Callable[[str], str | None] = shutil.which) -> None:
    """Signing needs the cosign CLI; say so before any work starts."""
    if mode.on and which("cosign") is None:
        raise HostError(
            f"cosign: command not found; BAKE_SIGN={mode.kind} needs it (Debian trixie and "
            "later: apt-get install cosign; scripts/setup-host.sh installs it)"
        )


def _key_mode(key: Path, env: Mapping[str, str]) -> Mode:
    mode = Mode(KEY, key=key.resolve())
    for path in (mode.key, mode.public_key):
        assert path is not None
        if not path.is_file():
            raise ConfigError(
                "environment",
                "BAKE_SIGN",
                f"{path}: no such file (make a pair with `cosign generate-key-pair`)",
            )
    if "COSIGN_PASSWORD" not in env:
        raise ConfigError(
            "environment", "BAKE_SIGN", "set COSIGN_PASSWORD (the key's password; may be empty)"
        )
    return mode


# --- the cosign command lines (pure) ---------------------------------------------------


def _registry_flags(ref: str) -> list[str]:
    """A local registry answers plain HTTP (as ``bake.publish.registry`` talks to it)."""
    return ["--allow-http-registry"] if endpoint.local_registry(ref) else []


def sign_command(mode: Mode, ref: str) -> list[str]:
    cmd = ["cosign", "sign", "--yes"]
    if mode.kind == KEY:
        cmd += ["--key", str(mode.key), "--tlog-upload=false"]
    return [*cmd, *_registry_flags(ref), ref]


def attest_command(mode: Mode, ref: str, predicate: Path) -> list[str]:
    cmd = ["cosign", "attest", "--yes", "--type", "slsaprovenance1", "--predicate", str(predicate)]
    if mode.kind == KEY:
        cmd += ["--key", str(mode.key), "--tlog-upload=false"]
    return [*cmd, *_registry_flags(ref), ref]


def _trust_flags(mode: Mode) -> list[str]:
    if mode.kind == KEY:
        return ["--key", str(mode.public_key), "--insecure-ignore-tlog"]
    return ["--certificate-identity", mode.identity, "--certificate-oidc-issuer", ISSUER]


def verify_command(mode: Mode, ref: str) -> list[str]:
    return ["cosign", "verify", *_trust_flags(mode), *_registry_flags(ref), ref]


def verify_attestation_command(mode: Mode, ref: str) -> list[str]:
    return [
        "cosign",
        "verify-attestation",
        "--type",
        "slsaprovenance1",
        *_trust_flags(mode),
        *_registry_flags(ref),
        ref,
    ]
