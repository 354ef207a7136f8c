"""Parse a family file's bytes into (data, node tree) safely: bounded in size and depth,
plain YAML only, every failure one ``ConfigError`` with a line.

Why each guard exists: PyYAML's composer recurses per nesting level (deep input ends in
RecursionError, libyaml's in a crash), a 10 MB file takes a minute in pure Python, a
non-UTF-8 byte or a control character raises errors without the file's line, ``!!binary``
and friends construct values no image label can hold, and PyYAML keeps the last of two
equal keys without a word. libyaml's C parser is used where present (same line numbers);
its own nesting limit is reported as ours (``_check_depth``).
"""

from __future__ import annotations

from typing import Any

import yaml

from bake.core.errors import ConfigError

__all__ = ["MAX_BYTES", "MAX_DEPTH", "parse"]

MAX_BYTES = 1024 * 1024  # a family of hundreds of images fits in a few dozen kB
MAX_DEPTH = 32  # the schema nests 6 levels; anchors and merge keys need no more

_CORE = "tag:yaml.org,2002:"
# Tags the schema can use: plain scalars, lists and mappings, and merge keys (<<). A
# timestamp is what YAML makes of an unquoted 2026-01-01; the readers then ask to quote it.
ALLOWED_TAGS = frozenset(
    _CORE + name for name in ("str", "int", "float", "bool", "null", "seq", "map", "merge")
) | {_CORE + "timestamp"}


def _loader(base: Any) -> Any:
    """``base`` (PyYAML's C or pure-Python SafeLoader) with the duplicate-key check."""

    class Loader(base):  # type: ignore[misc]
        """A SafeLoader refusing duplicate keys; merge keys (<<) work."""

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == _CORE + "merge":
                    continue  # merged keys may be overridden by the mapping's own
                if not isinstance(key_node, yaml.ScalarNode):
                    raise _error(key_node, "expected a plain key, got a list or mapping as a key")
                key = self.construct_object(key_node, deep=True)
                if key in seen:
                    message = f"duplicate key {key!r} (first defined on line {seen[key]})"
                    raise _error(key_node, message)
                seen[key] = key_node.start_mark.line + 1
            return dict(super().construct_mapping(node, deep=deep))

    return Loader


_PyLoader: Any = _loader(yaml.SafeLoader)  # pure Python: reads no further than it must
_Loader: Any = _loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml's when present


def _error(node: yaml.Node, message: str) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(None, None, message, node.start_mark)


def parse(file: str, raw: bytes, loader: Any = None) -> tuple[Any, yaml.Node | None]:
    """The document's data and its node tree; a ConfigError for anything unsafe or invalid.

    ``loader``: libyaml's when PyYAML has it (the default), or ``_PyLoader`` (the pure-Python
    one; a test passes it to check that the errors are ours with either)."""
    loader_class = _Loader if loader is None else loader
    if len(raw) > MAX_BYTES:
        message = f"the file is larger than {MAX_BYTES} bytes, the limit for a family file"
        raise ConfigError(file, "", message)
    text = _decode(file, raw)
    try:
        _check_depth(file, text, loader_class)
        loader = loader_class(text)
        try:
            root = loader.get_single_node()
            _check_nodes(file, root)
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(filter(None, [exc.context, exc.problem]))
        raise ConfigError(file, "", f"invalid YAML: {problem}", _line(mark)) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        message = (
            f"invalid YAML: control character U+{exc.character:04X} is not allowed "
            f'(write it as an escape in a double-quoted string, e.g. "\\x{exc.character:02x}")'
        )
        raise ConfigError(file, "", message, line) from None
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())
        raise ConfigError(file, "", f"invalid YAML: {message}") from None
    return data, root


def _decode(file: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        message = f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        raise ConfigError(file, "", message, line) from None


def _line(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


def _check_depth(file: str, text: str, loader: Any) -> None:
    """No level deeper than MAX_DEPTH, said in our words whichever parser notices first.

    libyaml (PyYAML >= 6.0.4 bundles one with a nesting limit of its own) scans far ahead
    of the events in flow style and may stop a deep ``[[[…`` with its own error before
    the events get deep enough for ours. So when it fails, the pure-Python parser, which
    reads only as far as it must, reads the text up to that line: if the nesting is what
    is wrong, it stops at MAX_DEPTH; if not, libyaml's error stands.
    """
    try:
        _walk_depth(file, text, loader)
    except yaml.MarkedYAMLError as exc:
        if loader is not _PyLoader and exc.problem_mark is not None:
            lines = text.splitlines(keepends=True)[: exc.problem_mark.line + 1]
            try:
                _walk_depth(file, "".join(lines), _PyLoader)
            except yaml.YAMLError:
                pass  # the cut text may end mid-construct: libyaml's error stands
        raise


def _walk_depth(file: str, text: str, loader: Any) -> None:
    """Walk the parse events (no recursion) and stop at the first level too deep."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                message = f"nested more than {MAX_DEPTH} levels deep"
                raise ConfigError(file, "", message, _line(event.start_mark))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _check_nodes(file: str, root: yaml.Node | None) -> None:
    """Plain YAML only: no other tags, no text a file or label cannot hold."""
    stack = [root] if root is not None else []
    seen: set[int] = set()  # aliases share nodes (and may point at an ancestor)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.tag not in ALLOWED_TAGS:
            tag = node.tag.replace(_CORE, "!!")
            message = (
                f"unsupported YAML tag {tag}: a family file holds plain strings, numbers, "
                "booleans, lists and mappings (merge keys << included)"
            )
            raise ConfigError(file, "", message, _line(node.start_mark))
        if isinstance(node, yaml.ScalarNode):
            if any("\ud800" <= char <= "\udfff" for char in node.value):
                message = "a string holds a lone surrogate (\\uD800-\\uDFFF), not a character"
                raise ConfigError(file, "", message, _line(node.start_mark))
            if "\x00" in node.value:  # no label, arg or command can carry it into an image
                message = "a string holds a NUL character (\\0), which no image can carry"
                raise ConfigError(file, "", message, _line(node.start_mark))
            if "\r" in node.value:  # buildx reads "\r$$${" from bake JSON as "\r$$${"
                message = "a string holds a carriage return (\\r); use \\n for line breaks"
                raise ConfigError(file, "", message, _line(node.start_mark))
        elif isinstance(node, yaml.MappingNode):
            stack += [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
