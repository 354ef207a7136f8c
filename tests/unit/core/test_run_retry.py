"""run.retry and the registry client's idea of a transient failure."""

from __future__ import annotations

import pytest

from bake.core import run
from bake.core.errors import CommandError
from bake.publish import registry


def _backoff(pauses: list[float]) -> run.Backoff:
    return run.Backoff(attempts=4, first=0.5, cap=1.5, sleep=pauses.append)


def test_transient_errors_are_retried_with_bounded_backoff(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pauses: list[float] = []
    answers = iter([registry.RegistryError("HTTP 500", 500), ConnectionResetError("reset"), "ok"])

    def action() -> str:
        answer = next(answers)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    assert (
        run.retry(action, what="x", transient=registry.is_transient, backoff=_backoff(pauses))
        == "ok"
    )
    assert len(pauses) == 2 and 0.375 <= pauses[0] <= 0.5 and 0.75 <= pauses[1] <= 1.0
    assert capsys.readouterr().err.count("retry: x: ") == 2


def test_gives_up_after_the_last_try_and_never_retries_a_permanent_error() -> None:
    pauses: list[float] = []

    def refused() -> None:
        raise ConnectionRefusedError("refused")

    with pytest.raises(ConnectionRefusedError):
        run.retry(refused, what="x", transient=registry.is_transient, backoff=_backoff(pauses))
    assert len(pauses) == 3 and max(pauses) <= 1.5

    def unauthorized() -> None:
        raise registry.RegistryError("HTTP 401", 401)

    with pytest.raises(registry.RegistryError, match="docker login"):
        run.retry(unauthorized, what="x", transient=registry.is_transient, backoff=_backoff(pauses))
    assert len(pauses) == 3


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (registry.RegistryError("x", 500), True),
        (registry.RegistryError("x", 503), True),
        (registry.RegistryError("x", 429), True),
        (registry.RegistryError("x", None), True),
        (registry.RegistryError("x", 404), False),
        (registry.RegistryError("x", 401), False),
        (TimeoutError(), True),
        (ValueError(), False),
        (CommandError("x"), False),
    ],
)
def test_is_transient(error: BaseException, transient: bool) -> None:
    assert registry.is_transient(error) is transient


def test_credential_hint_only_for_401_and_403() -> None:
    assert "docker login" in str(registry.RegistryError("x", 403))
    assert "docker login" not in str(registry.RegistryError("x", 500))
    assert "docker login" not in str(registry.RegistryError("x", None))
