"""Route patterns as channel addresses: ``<int:pk>``, ``{room:int}`` and ``(?P<room>...)``.

Django routes (``ws/<int:pk>/``), Starlette paths (``/ws/{room:int}``) and regular
expressions (``^ws/(?P<room>\\w+)/$``) all become addresses with ``{name}`` placeholders, the
form AsyncAPI channel addresses use, plus a map of each parameter to its converter (or, for a
regex group, its pattern).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "DJANGO_PARAM_PATTERN",
    "REGEX_PARAM_PATTERN",
    "STARLETTE_PARAM_PATTERN",
    "extract_path_parameters",
    "get_pattern_string_and_params",
    "to_address",
]

#: Django route converters: ``<name>`` or ``<converter:name>``.
DJANGO_PARAM_PATTERN = re.compile(r"<(?:(?P<type>\w+):)?(?P<name>[A-Za-z_]\w*)>")
#: Starlette path parameters: ``{name}`` or ``{name:converter}``.
STARLETTE_PARAM_PATTERN = re.compile(r"\{(?P<name>[A-Za-z_]\w*)(?::(?P<type>\w+))?\}")
#: The start of a named regex group, ``(?P<name>``; its end is found by balancing parentheses.
REGEX_PARAM_PATTERN = re.compile(r"\(\?P<(?P<name>[A-Za-z_]\w*)>")


def _group_end(text: str, start: int) -> int:
    """Index just past the group opened at ``text[start]`` (escapes and nesting respected)."""
    depth, i = 0, start
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError(f"unbalanced parentheses in route pattern {text!r}")


def _strip_anchors(pattern: str) -> str:
    return pattern.removeprefix("^").removesuffix(r"\Z").removesuffix("$")


def to_address(pattern: str) -> tuple[str, dict[str, str]]:
    """``pattern`` with every parameter as ``{name}``, and each parameter's type.

    Django converters and Starlette converters give their converter name (``"str"`` when
    none is written); a regex group gives its pattern. Outside groups, regex escapes
    (``\\.``) become the literal character, so ``^ws/(?P<n>\\d+)\\.json$`` is
    ``ws/{n}.json``.
    """
    text = _strip_anchors(pattern)
    types: dict[str, str] = {}
    out: list[str] = []
    i = 0
    while i < len(text):
        regex = REGEX_PARAM_PATTERN.match(text, i)
        if regex is not None:
            end = _group_end(text, i)
            types.setdefault(regex["name"], text[regex.end() : end - 1])
            out.append("{" + regex["name"] + "}")
            i = end
            continue
        match = DJANGO_PARAM_PATTERN.match(text, i) or STARLETTE_PARAM_PATTERN.match(text, i)
        if match is not None:
            types.setdefault(match["name"], match["type"] or "str")
            out.append("{" + match["name"] + "}")
            i = match.end()
        elif text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out), types


def extract_path_parameters(pattern: str) -> dict[str, str]:
    """Each parameter of ``pattern`` and its converter name or regex (first spelling wins)."""
    return to_address(pattern)[1]


def get_pattern_string_and_params(route: Any) -> tuple[str, dict[str, str] | None]:
    """The pattern of a Django ``URLPattern``/``URLRouter`` entry or a Starlette route.

    Returns the pattern without ``^``/``$`` anchors and its parameters (None when it has
    none). Django patterns are read through ``str(route.pattern)``, Starlette routes through
    ``route.path``.
    """
    pattern = getattr(route, "pattern", None)
    text = str(pattern) if pattern is not None else str(getattr(route, "path", "") or "")
    text = _strip_anchors(text)
    params = extract_path_parameters(text)
    return text, params or None
