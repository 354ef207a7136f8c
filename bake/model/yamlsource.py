"""Read a YAML document so that every later complaint can name its file, key path and line.

The parsing itself (limits, plain tags only, duplicate keys refused) is ``yamlload``'s.
"""

from __future__ import annotations

import datetime
import difflib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, NoReturn

import yaml

from bake.core.errors import ConfigError
from bake.model.yamlload import MAX_BYTES, parse

__all__ = [
    "Document",
    "KeyPath",
    "kind_of",
    "load_document",
    "read_list",
    "read_mapping",
    "read_string",
    "read_string_map",
    "render_path",
]

KeyPath = tuple[str | int, ...]


def render_path(path: KeyPath) -> str:
    """``("apps", "firefox", "tests", 0)`` → ``apps.firefox.tests[0]``; a key with other
    characters than letters, digits and ``._/-`` is quoted (``labels["a b"]``), so the
    path stays on one line and says exactly which key is meant."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not _PLAIN_KEY.fullmatch(part):
            quoted = json.dumps(part, ensure_ascii=False)
            # JSON leaves U+0085, U+2028 and the like alone, but they end a line too.
            quoted = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in quoted)
            text += f"[{quoted}]"
        else:
            text += f".{part}" if text else part
    return text


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_./-]+")


class Document:
    """A parsed YAML file plus its node tree, for line numbers in error messages."""

    def __init__(self, file: str, data: Any, root: yaml.Node | None) -> None:
        self.file = file
        self.data = data
        self._root = root

    def line_of(self, path: KeyPath) -> int | None:
        """The 1-based line of the key (or list item) at ``path``, or its nearest ancestor."""
        node = self._root
        line = node.start_mark.line + 1 if node is not None else None
        for part in path:
            found = _child(node, part)
            if found is None:
                break
            mark_node, node = found
            line = mark_node.start_mark.line + 1
        return line

    def scalar_text(self, path: KeyPath) -> str | None:
        """The text of the plain value at ``path`` as written in the file (before YAML
        turned ``0022`` into 18), or None when there is no such scalar."""
        node = self._root
        for part in path:
            found = _child(node, part)
            if found is None:
                return None
            node = found[1]
        return node.value if isinstance(node, yaml.ScalarNode) else None

    def fail(self, path: KeyPath, message: str) -> NoReturn:
        """Raise the one ConfigError for the key at ``path``."""
        line = self.line_of(path)
        raise ConfigError(self.file, render_path(path), message, line)

    def check_keys(self, path: KeyPath, mapping: Mapping[str, Any], allowed: Iterable[str]) -> None:
        """Fail on the first key not in ``allowed``, with a did-you-mean hint."""
        allowed = list(allowed)
        for key in mapping:
            if key in allowed:
                continue
            hint = difflib.get_close_matches(str(key), allowed, n=1)
            maybe = f"; did you mean {hint[0]!r}?" if hint else ""
            self.fail(
                (*path, key),
                f"unknown key {key!r}{maybe} (expected one of: {', '.join(allowed)})",
            )


def _child(node: yaml.Node | None, part: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    """(node whose line to report, child node) for one step of a key path."""
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for key_node, value_node in reversed(node.value):  # the last one wins, as in YAML
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                return key_node, value_node
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        if 0 <= part < len(node.value):
            return node.value[part], node.value[part]
    return None


def load_document(path: Path) -> Document:
    """Parse ``path``; any read or YAML error becomes a ConfigError naming the line."""
    file = str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(file, "", f"cannot read the file: {exc.strerror}") from None
    data, root = parse(file, raw)
    return Document(file, data, root)


# --- readers: each returns the value at a path or fails naming it ----------------------


def read_mapping(
    doc: Document, path: KeyPath, value: Any, expected: str = "a mapping"
) -> dict[str, Any]:
    if not isinstance(value, dict):
        doc.fail(path, f"expected {expected}, got {kind_of(value)}")
    for key in value:
        if not isinstance(key, str):
            doc.fail(path, f"expected string keys, got {kind_of(key)} {key!r}")
    return value


def read_list(doc: Document, path: KeyPath, value: Any) -> list[Any]:
    if not isinstance(value, list):
        doc.fail(path, f"expected a list, got {kind_of(value)}")
    return value


def read_string(doc: Document, path: KeyPath, value: Any) -> str:
    if isinstance(value, str):
        return value
    written = doc.scalar_text(path)
    if isinstance(value, (list, dict)) or value is None or written is None:
        doc.fail(path, f"expected a string, got {kind_of(value)}")
    if written != str(value):  # 0022 → 18, 1.10 → 1.1, 1e3 → 1000.0: the text is gone
        doc.fail(
            path,
            f"expected a string, got {kind_of(value)}: YAML reads {written} as {value}; "
            f'quote it to keep the text: "{written}"',
        )
    doc.fail(path, f'expected a string, got {kind_of(value)} (quote it: "{written}")')


def read_checked(
    doc: Document, path: KeyPath, value: Any, problem: Callable[[str], str | None]
) -> str:
    """A string that ``problem`` finds nothing wrong with (else its message, at ``path``)."""
    text = read_string(doc, path, value)
    if (message := problem(text)) is not None:
        doc.fail(path, message)
    return text


def read_unique(
    doc: Document, path: KeyPath, items: list[Any], what: str, problem: Callable[[str], str | None]
) -> tuple[str, ...]:
    """Checked strings (``read_checked``), each once: a repeat is a ``duplicate <what>``."""
    found: list[str] = []
    for i, item in enumerate(items):
        text = read_checked(doc, (*path, i), item, problem)
        if text in found:
            doc.fail((*path, i), f"duplicate {what} {text!r}")
        found.append(text)
    return tuple(found)


def read_string_map(doc: Document, path: KeyPath, value: Any) -> dict[str, str]:
    data = read_mapping(doc, path, value)
    return {key: read_string(doc, (*path, key), item) for key, item in sorted(data.items())}


def kind_of(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
        datetime.date: "a date",
        datetime.datetime: "a date and time",
    }.get(type(value), type(value).__name__)
