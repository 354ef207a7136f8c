"""The knobs of one run (``Options``): from the environment (``BAKE_*``) and the session's
posargs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bake.build import cache, reuse
from bake.core.errors import ConfigError
from bake.publish import sbom

__all__ = ["Options"]


@dataclass(frozen=True, kw_only=True)
class Options:
    """Knobs of one run; from the environment (``BAKE_*``) and the session's posargs."""

    jobs: int = 2  # smoke tests run at once (BAKE_JOBS)
    test_timeout: float = 600.0  # seconds per smoke test under QEMU (BAKE_TEST_TIMEOUT)
    sbom_generator: str = sbom.AUTO  # image ref, "off", or "auto" (BAKE_SBOM_GENERATOR)
    tools_registry: str = "127.0.0.1:5000"  # where "auto" puts its generator (BAKE_TOOLS_REGISTRY)
    buildx_args: tuple[str, ...] = ()  # passed through to `docker buildx bake`
    cache: str = ""  # "gha": a GitHub Actions cache per image × platforms (BAKE_CACHE)
    sign: str = ""  # off, keyless or key:<path to cosign.key> (BAKE_SIGN; bake.publish.signing)
    attempt: int = 1  # the CI run attempt stage records carry (GITHUB_RUN_ATTEMPT)
    state: str = ""  # where verified builds are remembered; "": never reuse (BAKE_STATE_DIR)

    @classmethod
    def from_env(cls, env: Mapping[str, str], buildx_args: Sequence[str] = ()) -> Options:
        default = cls()
        return cls(
            jobs=int(_number(env, "BAKE_JOBS", default.jobs, minimum=1)),
            test_timeout=_number(env, "BAKE_TEST_TIMEOUT", default.test_timeout, minimum=1),
            sbom_generator=env.get("BAKE_SBOM_GENERATOR", default.sbom_generator),
            tools_registry=env.get("BAKE_TOOLS_REGISTRY", default.tools_registry),
            buildx_args=tuple(buildx_args),
            cache=cache.resolve(env.get("BAKE_CACHE", ""), env),
            sign=env.get("BAKE_SIGN", ""),
            attempt=int(_number(env, "GITHUB_RUN_ATTEMPT", default.attempt, minimum=1)),
            state=reuse.default_state(env),
        )


def _number(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    text = env.get(name, "")
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise ConfigError("environment", name, f"expected a number >= {minimum:g}, got {text!r}")
    return value
