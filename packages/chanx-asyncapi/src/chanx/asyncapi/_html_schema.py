"""JSON Schema as readable HTML: a property table with types, requirement and constraints.

Nested objects reached through ``$ref`` are expanded in place (dotted names, e.g.
``payload.message``) up to a fixed depth; a model already being expanded is linked instead,
so self-referencing schemas end.
"""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["anchor", "schema_table", "type_label"]

_MAX_DEPTH = 4
_CONSTRAINTS = (
    "format",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
    "multipleOf",
)


def anchor(kind: str, name: str) -> str:
    """A stable HTML id for a channel, operation, message or schema."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)
    return f"{kind}-{safe}"


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")


def type_label(schema: Any) -> str:
    """A short HTML type label: ``string``, ``array of Item``, ``"chat"``, ``A | null``."""
    if not isinstance(schema, dict) or not schema:
        return "any"
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = _ref_name(ref)
        return f'<a href="#{anchor("schema", name)}">{escape(name)}</a>'
    if "const" in schema:
        return f"<code>{escape(_json(schema['const']))}</code>"
    if isinstance(schema.get("enum"), list):
        return " | ".join(f"<code>{escape(_json(v))}</code>" for v in schema["enum"])
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            return " | ".join(type_label(option) for option in schema[key])
    if isinstance(schema.get("allOf"), list):
        return " &amp; ".join(type_label(option) for option in schema["allOf"])
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        if isinstance(items, list):
            return "tuple of (" + ", ".join(type_label(i) for i in items) + ")"
        return f"array of {type_label(items)}" if items else "array"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"map of {type_label(schema['additionalProperties'])}"
    if isinstance(kind, list):
        return " | ".join(escape(str(k)) for k in kind)
    return escape(str(kind)) if kind else "any"


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def _notes(schema: dict[str, Any]) -> str:
    parts = []
    if isinstance(schema.get("description"), str):
        parts.append(escape(schema["description"]))
    limits = [f"{k}: {escape(_json(schema[k]))}" for k in _CONSTRAINTS if k in schema]
    if limits:
        parts.append('<span class="limits">' + ", ".join(limits) + "</span>")
    if "default" in schema:
        parts.append(
            f'<span class="default">default <code>{escape(_json(schema["default"]))}</code></span>'
        )
    return " ".join(parts)


def _target(schema: dict[str, Any], schemas: dict[str, Any]) -> tuple[str | None, Any]:
    """The single model a property points at (directly or as ``X | null``), if any."""
    ref = schema.get("$ref")
    if not isinstance(ref, str):
        options = schema.get("anyOf") or schema.get("oneOf") or []
        refs = [o["$ref"] for o in options if isinstance(o, dict) and "$ref" in o]
        others = [
            o
            for o in options
            if not (isinstance(o, dict) and ("$ref" in o or o.get("type") == "null"))
        ]
        ref = refs[0] if len(refs) == 1 and not others else None
    if ref is None:
        return None, schema if "properties" in schema else None
    name = _ref_name(ref)
    return name, schemas.get(name)


def _rows(
    schema: dict[str, Any], schemas: dict[str, Any], prefix: str, seen: tuple[str, ...]
) -> list[str]:
    rows = []
    required = set(schema.get("required") or ())
    for prop, sub in (schema.get("properties") or {}).items():
        sub = sub if isinstance(sub, dict) else {}
        name = prefix + prop
        req = '<span class="req">required</span>' if prop in required else "optional"
        rows.append(
            f'<tr><td class="prop"><code>{escape(name)}</code></td><td>{type_label(sub)}</td>'
            f"<td>{req}</td><td>{_notes(sub)}</td></tr>"
        )
        target_name, target = _target(sub, schemas)
        if (
            isinstance(target, dict)
            and target.get("properties")
            and target_name not in seen
            and len(seen) < _MAX_DEPTH
        ):
            rows += _rows(target, schemas, name + ".", (*seen, target_name or name))
    return rows


def _parts(schema: Any, schemas: dict[str, Any]) -> list[tuple[str | None, Any]]:
    """``schema`` (or each ``allOf`` member, e.g. a message plus its ``ref``) resolved."""
    members = schema.get("allOf") if isinstance(schema, dict) else None
    out: list[tuple[str | None, Any]] = []
    for part in members if isinstance(members, list) else [schema]:
        if isinstance(part, dict) and isinstance(part.get("$ref"), str):
            name = _ref_name(part["$ref"])
            out.append((name, schemas.get(name, {})))
        else:
            out.append((None, part))
    return out


def schema_table(schema: Any, schemas: dict[str, Any], name: str | None = None) -> str:
    """An HTML table of ``schema``'s properties (expanded through references and ``allOf``)."""
    parts = _parts(schema, schemas)
    if len(parts) == 1:
        name, schema = parts[0][0] or name, parts[0][1]
    if not all(isinstance(part, dict) for _, part in parts):
        return "<p>No schema.</p>"
    rows = [
        row
        for part_name, part in parts
        for row in _rows(part, schemas, "", ((part_name or name or ""),))
    ]
    if not rows:
        return f'<p class="type">Type: {type_label(schema)}</p>'
    head = "<tr><th>Field</th><th>Type</th><th>Required</th><th>Notes</th></tr>"
    return f'<table class="schema"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'
