"""The knobs of one run (``Options``): each ``BAKE_*`` value read through the one settings
table (``bake.core.options``: default, parser, error), plus the session's posargs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bake.build import cache, reuse
from bake.core import options
from bake.publish import sbom

__all__ = ["Options"]


@dataclass(frozen=True, kw_only=True)
class Options:
    """Knobs of one run; from the environment (``BAKE_*``) and the session's posargs."""

    jobs: int = options.JOBS.default  # smoke tests run at once (BAKE_JOBS)
    test_timeout: float = options.TEST_TIMEOUT.default  # seconds per smoke test (BAKE_TEST_TIMEOUT)
    sbom_generator: str = sbom.AUTO  # image ref, "off", or "auto" (BAKE_SBOM_GENERATOR)
    tools_registry: str = options.TOOLS_REGISTRY.default  # where "auto" puts its generator
    buildx_args: tuple[str, ...] = ()  # passed through to `docker buildx bake`
    cache: str = ""  # "gha": a GitHub Actions cache per image × platforms (BAKE_CACHE)
    sign: str = ""  # off, keyless or key:<path to cosign.key> (BAKE_SIGN; bake.publish.signing)
    attempt: int = options.RUN_ATTEMPT.default  # the CI run attempt stage records carry
    state: str = ""  # where verified builds are remembered; "": never reuse (BAKE_STATE_DIR)

    @classmethod
    def from_env(cls, env: Mapping[str, str], buildx_args: Sequence[str] = ()) -> Options:
        return cls(
            jobs=options.value(options.JOBS, env=env),
            test_timeout=options.value(options.TEST_TIMEOUT, env=env),
            sbom_generator=env.get("BAKE_SBOM_GENERATOR", sbom.AUTO),
            tools_registry=env.get("BAKE_TOOLS_REGISTRY", options.TOOLS_REGISTRY.default),
            buildx_args=tuple(buildx_args),
            cache=cache.resolve(env.get("BAKE_CACHE", ""), env),
            sign=env.get("BAKE_SIGN", ""),
            attempt=options.value(options.RUN_ATTEMPT, env=env),
            state=reuse.default_state(env),
        )
