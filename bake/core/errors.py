"""Errors that carry their exit code, caught in exactly one place (``cli.main``)."""

from __future__ import annotations

__all__ = ["BakeError", "ConfigError", "HostError", "CommandError", "PipelineError", "UsageError"]


class BakeError(Exception):
    """Base of every error the user should see as one message, not a traceback."""

    exit_code = 1


class ConfigError(BakeError):
    """The family YAML is invalid: names the file, the key path and what was expected."""

    exit_code = 2

    def __init__(self, file: str, path: str, message: str, line: int | None = None) -> None:
        self.file = file
        self.path = path
        self.line = line
        self.message = message
        where = f"{file}:{line}" if line else file
        at = f" at {path}" if path else ""
        text = f"{where}: error{at}: {message}"
        # one line, always: a stray newline (in a file name, say) must not split it
        super().__init__(text.replace("\r", "\\r").replace("\n", "\\n"))


class UsageError(BakeError):
    """The command line asks for something the family does not have (e.g. a target)."""

    exit_code = 2


class HostError(BakeError):
    """The host lacks something the pipeline needs (docker, buildx, binfmt, registry)."""

    exit_code = 3


class CommandError(BakeError):
    """An external command failed; the message shows it, its exit code and its output."""

    exit_code = 4


class PipelineError(BakeError):
    """A build, test or push step failed; nothing later in the pipeline ran."""

    exit_code = 1


# The hint every HostError ends with: the one way a host gets what the tool needs.
HOST_FIX = (
    "fix: set the host up as the neko-bake README's host requirements say "
    "(Docker with the containerd image store, buildx, QEMU binfmt handlers with flag F)"
)
