"""Every default and every ``BAKE_*`` setting, in one table, resolved in one order.

A setting's value comes from, in order (a later layer wins): its default, the family's
``family.yaml`` key (when it has one), the environment, the command line. Each reaches
the code as a typed value (``value(RETRIES, env=os.environ)`` is an ``int``); a bad one
is one ``ConfigError`` naming where it came from (``environment: error at BAKE_RETRIES:
expected a number >= 1, got 'abc'``). The schema's default columns are ``Setting.shown``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bake.core.errors import ConfigError

__all__ = [
    "AT_START",
    "CACHE",
    "CHANGES_DIR",
    "CONFIG",
    "EPOCH",
    "GITHUB_API",
    "JOBS",
    "REFRESH_STAMP",
    "LOCAL_REGISTRY_PORT",
    "REGISTRY",
    "RETRIES",
    "RETRY_DELAY",
    "RUN_ATTEMPT",
    "SBOM_GENERATOR",
    "SETTINGS",
    "SIGN",
    "STATE_DIR",
    "TAGS",
    "TEST_TIMEOUT",
    "TOOLS_REGISTRY",
    "Setting",
    "check",
    "value",
]

T = TypeVar("T")

# The local registry every laptop and test run uses: the family's default REGISTRY says
# ``localhost``, the SBOM generator's tools registry ``127.0.0.1`` (both generated bake
# files and the tests depend on these spellings), one port.
LOCAL_REGISTRY_PORT = 5000


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One setting: where it is read and how.

    ``parse`` turns a non-empty text into the value or raises ``ValueError``; the error
    then says ``expected <expected>, got '<text>'``. An empty text means the default."""

    name: str  # the command line's name (``--name`` or ``NAME=value``)
    env: str | None  # the environment variable, if any
    key: str | None  # the family.yaml key, if any
    default: T
    parse: Callable[[str], T]
    expected: str
    doc: str
    shown: str = ""  # the default as the schema and README show it

    def read(self, text: str, where: str, name: str = "") -> T:
        """``text`` (from ``where``, as ``name``) as a value; empty: the default."""
        if not text:
            return self.default
        try:
            return self.parse(text)
        except ValueError:
            raise ConfigError(
                where, name or self.env or self.name, f"expected {self.expected}, got {text!r}"
            ) from None


def _at_least(minimum: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        number = float(text)
        if not number >= minimum:  # also NaN
            raise ValueError(text)
        return number

    return parse


def _count(minimum: int) -> Callable[[str], int]:
    number = _at_least(minimum)
    return lambda text: int(number(text))


def _seconds(text: str) -> str:
    if not text.isdigit():
        raise ValueError(text)
    return text


def _text(text: str) -> str:
    return text


def _list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


_LOCAL = f"localhost:{LOCAL_REGISTRY_PORT}"
_TOOLS = f"127.0.0.1:{LOCAL_REGISTRY_PORT}"
_NUMBER = "a number >= {}"

# fmt: off
#                                          name            env                    family.yaml  default      parse          expected           doc
RETRIES: Setting[int] = Setting(           "retries",      "BAKE_RETRIES",        None,        5,           _count(1),     _NUMBER.format(1), "Tries of one registry or GitHub API request before it fails")
RETRY_DELAY: Setting[float] = Setting(     "retry-delay",  "BAKE_RETRY_DELAY",    None,        0.5,         _at_least(0),  _NUMBER.format(0), "Seconds before the first retry; each later wait doubles (at most 8s)")
JOBS: Setting[int] = Setting(              "jobs",         "BAKE_JOBS",           None,        2,           _count(1),     _NUMBER.format(1), "Smoke tests that run at once")
TEST_TIMEOUT: Setting[float] = Setting(    "test-timeout", "BAKE_TEST_TIMEOUT",   None,        600.0,       _at_least(1),  _NUMBER.format(1), "Seconds one smoke test may take under QEMU")
RUN_ATTEMPT: Setting[int] = Setting(       "attempt",      "GITHUB_RUN_ATTEMPT",  None,        1,           _count(1),     _NUMBER.format(1), "The CI run attempt stage records carry")
TOOLS_REGISTRY: Setting[str] = Setting(    "tools-registry", "BAKE_TOOLS_REGISTRY", None,      _TOOLS,      _text,         "a registry",      "Where BAKE_SBOM_GENERATOR=auto puts its generator image")
EPOCH: Setting[str] = Setting(             "source-date-epoch", "SOURCE_DATE_EPOCH", None,     "0",         _seconds,      "seconds",         "SOURCE_DATE_EPOCH of every build: 1970-01-01 (bake.build.export says why)")
REGISTRY: Setting[tuple[str, ...]] = Setting("registry",   None,                  "registry",  (_LOCAL,),   _list,         "registry/namespace", "`REGISTRY` default: registry/namespace, comma-separated for several", f"`{_LOCAL}`")
TAGS: Setting[tuple[str, ...]] = Setting(  "tags",         None,                  "tags",      ("latest",), _list,         "tags",            "`TAG` default", "`[latest]`")
# Read where they are used (their parsing needs more than this layer has); named here so
# the table lists every BAKE_* setting (tests/unit/core/test_options.py checks it does).
SBOM_GENERATOR: Setting[str] = Setting(    "sbom-generator", "BAKE_SBOM_GENERATOR", None, "auto",   _text,         "an image, off or auto", "The SBOM generator (bake.publish.sbom): an image ref, `off`, or `auto`")
CACHE: Setting[str] = Setting(             "cache",        "BAKE_CACHE",          None,        "",          _text,         "gha or off",      "`gha`: a GitHub Actions build cache per image × platforms (bake.build.cache)")
SIGN: Setting[str] = Setting(              "sign",         "BAKE_SIGN",           None,        "",          _text,         "off, keyless or key:<path>", "Signing before any tag moves (bake.publish.signing)")
STATE_DIR: Setting[str] = Setting(         "state-dir",    "BAKE_STATE_DIR",      None,        "",          _text,         "a folder or off", "Where verified builds are remembered; default ~/.cache/neko-bake (bake.build.reuse)")
CONFIG: Setting[str] = Setting(            "config",       "BAKE_CONFIG",         None,        "",          _text,         "a file",          "The family file; default: the nearest family.yaml (bake.front.sessions)")
CHANGES_DIR: Setting[str] = Setting(       "changes-dir",  "BAKE_CHANGES_DIR",    None,        "",          _text,         "a folder",        "Where changelogs are written as well (bake.publish.changelog)")
REFRESH_STAMP: Setting[str] = Setting(     "refresh-stamp", "BAKE_REFRESH_STAMP", None,        "",          _text,         "a text",          "The weekly refresh's cache-busting value; default: today (bake.build.refresh)")
GITHUB_API: Setting[str] = Setting(        "github-api",   "BAKE_GITHUB_API",     None,        "https://api.github.com", _text, "a URL",       "The GitHub API the package client talks to (bake.publish.ghcr)")
# fmt: on

SETTINGS: tuple[Setting[Any], ...] = (
    RETRIES, RETRY_DELAY, JOBS, TEST_TIMEOUT, RUN_ATTEMPT, TOOLS_REGISTRY, EPOCH, REGISTRY, TAGS,
    SBOM_GENERATOR, CACHE, SIGN, STATE_DIR, CONFIG, CHANGES_DIR, REFRESH_STAMP, GITHUB_API,
)  # fmt: skip


def value(
    setting: Setting[T],
    *,
    family: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    cli: Mapping[str, str] | None = None,
    family_file: str = "family.yaml",
) -> T:
    """The setting's value: default → ``family`` (family.yaml keys) → ``env`` → ``cli``
    (by ``setting.name``); the last layer that sets it wins, and only its text is parsed."""
    layers = (
        (family_file, setting.key, family),
        ("environment", setting.env, env),
        ("argument", setting.name, cli),
    )
    found: tuple[str, str, str] | None = None
    for where, name, values in layers:
        if name is not None and values is not None and name in values:
            found = (values[name], where, name)
    return setting.default if found is None else setting.read(*found)


# What every command checks before it starts: the settings of bake.core itself.
AT_START: tuple[Setting[Any], ...] = (RETRIES, RETRY_DELAY)


def check(env: Mapping[str, str], settings: tuple[Setting[Any], ...] = AT_START) -> None:
    """Each of ``settings`` the environment sets parses (a ``ConfigError`` for the first
    that does not)."""
    for setting in settings:
        value(setting, env=env)
