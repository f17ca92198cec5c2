"""Topic patterns: ``"room:{room_id}"`` compiled to an anchored regex and its parameter names."""

from __future__ import annotations

import re

__all__ = ["compile_pattern"]

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def compile_pattern(pattern: str, owner: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """An anchored regex for ``pattern`` and its placeholder names, in order."""
    names: list[str] = []
    literals: list[str] = []
    regex = ""
    pos = 0
    for match in _PLACEHOLDER.finditer(pattern):
        literals.append(pattern[pos : match.start()])
        name = match.group(1)
        if name in names:
            raise TypeError(f"{owner}.pattern {pattern!r} repeats the placeholder {{{name}}}")
        names.append(name)
        regex += re.escape(literals[-1]) + f"(?P<{name}>[^:]+)"
        pos = match.end()
    literals.append(pattern[pos:])
    regex += re.escape(literals[-1])
    if any("{" in part or "}" in part for part in literals):
        raise TypeError(
            f"{owner}.pattern {pattern!r}: placeholders are written {{name}} with a Python "
            "identifier inside; other braces are not allowed"
        )
    return re.compile(regex), tuple(names)
