"""GitHub Actions expressions (``${{ … }}``), as much of them as the workflow uses: contexts,
literals, ``!``, ``==``/``!=`` (strings compared case-insensitively), ``&&``/``||`` (which
return an operand, as on GitHub), ``startsWith``, ``fromJSON`` and the status functions.
Anything else raises ``Unsupported``, so a rehearsal never guesses. Used by tests/workflow.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["EXPRESSION", "Unsupported", "condition", "evaluate", "interpolate"]

STATUS_CALL = re.compile(r"\b(success|failure|always|cancelled)\s*\(")
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||[!().,\[\]])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)


class Unsupported(Exception):
    """The workflow uses something this small interpreter does not implement."""


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise Unsupported(f"cannot read expression {text!r} at {text[pos:]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent over GitHub's operator precedence: ! > ==,!= > && > ||."""

    def __init__(self, text: str, contexts: Mapping[str, Any]) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.contexts = contexts

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise Unsupported("unexpected end of expression")
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise Unsupported(f"expected {expected!r}, got {token[1]!r}")
        self.pos += 1
        return token

    def parse(self) -> Any:
        value = self.or_()
        if self.peek() is not None:
            raise Unsupported(f"trailing tokens from {self.peek()!r}")
        return value

    def or_(self) -> Any:
        value = self.and_()
        while self.peek() == "||":
            self.take()
            right = self.and_()
            value = value if _truthy(value) else right
        return value

    def and_(self) -> Any:
        value = self.compare()
        while self.peek() == "&&":
            self.take()
            right = self.compare()
            value = right if _truthy(value) else value
        return value

    def compare(self) -> Any:
        value = self.unary()
        while self.peek() in ("==", "!="):
            op = self.take()[1]
            right = self.unary()
            equal = _loose(value) == _loose(right)
            value = equal if op == "==" else not equal
        return value

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not _truthy(self.unary())
        return self.postfix(self.primary())

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text)
        if text == "(":
            value = self.or_()
            self.take(")")
            return value
        if kind != "name":
            raise Unsupported(f"unexpected {text!r}")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self.peek() == "(":
            return self.call(text)
        if text not in self.contexts:
            raise Unsupported(f"unknown context {text!r}")
        return self.contexts[text]

    def postfix(self, value: Any) -> Any:
        while self.peek() in (".", "["):
            if self.take()[1] == ".":
                key: Any = self.take()[1]
            else:
                key = self.or_()
                self.take("]")
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def call(self, name: str) -> Any:
        self.take("(")
        args = []
        while self.peek() != ")":
            args.append(self.or_())
            if self.peek() == ",":
                self.take()
        self.take(")")
        status = self.contexts.get("__status__", "success")
        functions = {
            "startsWith": lambda a, b: str(a).lower().startswith(str(b).lower()),
            "fromJSON": lambda text: json.loads(text),
            "success": lambda: status == "success",
            "failure": lambda: status == "failure",
            "cancelled": lambda: status == "cancelled",
            "always": lambda: True,
        }
        if name not in functions:
            raise Unsupported(f"function {name}() is not implemented here")
        return functions[name](*args)


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, 0.0, "")


def _loose(value: Any) -> Any:
    """GitHub compares strings case-insensitively; other types as they are."""
    return value.lower() if isinstance(value, str) else value


def evaluate(text: str, contexts: Mapping[str, Any]) -> Any:
    """One expression (without ``${{ }}``) in the given contexts."""
    return _Parser(text, contexts).parse()


def interpolate(value: Any, contexts: Mapping[str, Any]) -> Any:
    """A YAML value with ``${{ … }}`` inside: a whole-value expression keeps its type."""
    if not isinstance(value, str):
        return value
    whole = EXPRESSION.fullmatch(value.strip())
    if whole and "${{" not in whole.group(1):  # one expression, not "${{ a }}/${{ b }}"
        return evaluate(whole.group(1), contexts)

    def text(match: re.Match[str]) -> str:
        result = evaluate(match.group(1), contexts)
        if isinstance(result, bool):
            return "true" if result else "false"
        return "" if result is None else str(result)

    return EXPRESSION.sub(text, value)


def condition(value: Any, contexts: Mapping[str, Any]) -> bool:
    """An ``if:`` (bare or in ``${{ }}``). As on GitHub, one that calls no status function
    (success, failure, always, cancelled) means ``success() && (…)``."""
    succeeded = contexts.get("__status__", "success") == "success"
    if value is None:
        return succeeded
    if isinstance(value, bool):
        return succeeded and value
    whole = EXPRESSION.fullmatch(str(value).strip())
    text = whole.group(1) if whole else str(value)
    result = _truthy(evaluate(text, contexts))
    if not STATUS_CALL.search(text):
        return succeeded and result
    return result
