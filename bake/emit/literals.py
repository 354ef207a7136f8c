"""Bake literals: a Python value written as HCL (python-hcl2's dict form) or as bake JSON.

Strings are literals unless wrapped in ``Expr``: literals are escaped so buildx reads back
exactly the original text (``${`` included); an ``Expr`` is written as a live HCL expression.
"""

from __future__ import annotations

from typing import Any

from bake.emit.package_targets import Text

__all__ = [
    "Expr",
    "escape_templates",
    "fits_heredoc",
    "hcl_block",
    "hcl_string",
    "hcl_value",
    "json_value",
]


class Expr(str):
    """A live HCL expression (not a literal string)."""


def hcl_string(text: str) -> str:
    """A quoted HCL string literal that evaluates to exactly ``text``."""
    out = []
    for i, char in enumerate(text):
        if char == "\\":
            out.append("\\\\")
        elif char == "%" and text.startswith("%", i + 1):
            # python-hcl2's writer cannot read back %%%{ (our %%{ escaped): write \u0025
            out.append("\\u0025")
        elif char == '"' and text.startswith("${", i + 1):
            # python-hcl2's writer drops the quote of \" right before $${…}: write \u0022
            out.append("\\u0022")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + escape_templates("".join(out)) + '"'


HEREDOC = "EOT"


def fits_heredoc(text: str) -> bool:
    """A heredoc ends with a newline, holds no line equal to its delimiter, no control
    characters but newlines and tabs; anything else stays a quoted string."""
    lines = text.split("\n")
    return (
        text.endswith("\n")
        and HEREDOC not in (line.strip() for line in lines)
        and not any(ord(c) < 0x20 and c not in "\n\t" or ord(c) == 0x7F for c in text)
    )


def escape_templates(text: str) -> str:
    """``${`` and ``%{`` start interpolations in HCL (and bake JSON) strings: double them."""
    return text.replace("${", "$${").replace("%{", "%%{")


def hcl_value(value: Any) -> Any:
    if isinstance(value, Expr):
        return str(value)
    if isinstance(value, Text) and fits_heredoc(value):
        # Heredocs keep backslashes and quotes as they are; only templates are escaped.
        return f"<<{HEREDOC}\n{escape_templates(value)}{HEREDOC}\n"
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, list):
        return [hcl_value(v) for v in value]
    if isinstance(value, dict):
        return {hcl_string(k): hcl_value(v) for k, v in value.items()}
    raise TypeError(f"cannot render {value!r} as HCL")


def hcl_block(body: dict[str, Any]) -> dict[str, Any]:
    return {**{k: hcl_value(v) for k, v in body.items()}, "__is_block__": True}


# --- JSON ------------------------------------------------------------------------------


def json_value(value: Any) -> Any:
    if isinstance(value, Expr):
        return "${" + str(value) + "}"
    if isinstance(value, str):
        return escape_templates(value)
    if isinstance(value, list):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    raise TypeError(f"cannot render {value!r} as JSON")
