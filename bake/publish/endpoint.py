"""Where a push goes: a local registry (127.0.0.1, localhost, [::1]) is spoken to over
plain HTTP and probed before any work starts, so a registry that is down fails in a
second instead of after the build; a remote one is trusted to answer (TLS, login).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from bake.core.errors import HOST_FIX, HostError

__all__ = ["LOCAL_HOSTS", "check_registry", "local_registry"]

LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def local_registry(registry: str) -> str | None:
    """``127.0.0.1:5000/ns`` → ``127.0.0.1:5000``; None for a registry that is not local."""
    host = registry.split("/", 1)[0]
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return host if name in LOCAL_HOSTS else None


def check_registry(
    registry: str, timeout: float = 5.0, urlopen: Callable[..., Any] = urllib.request.urlopen
) -> None:
    """A local push target answers the registry API (/v2/); remote ones are not probed."""
    host = local_registry(registry)
    if host is None:
        return
    url = f"http://{host}/v2/"
    try:
        with urlopen(url, timeout=timeout):
            return
    except urllib.error.HTTPError as exc:
        if exc.code == 401:  # answers, wants a login: `docker login` handles it
            return
        reason = f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        reason = str(getattr(exc, "reason", exc))
    raise HostError(f"the local registry {host} does not answer at {url} ({reason}); {HOST_FIX}")
