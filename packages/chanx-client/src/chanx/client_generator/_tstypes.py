"""JSON Schema -> TypeScript types (interfaces for objects, aliases for everything else)."""

from __future__ import annotations

import json
import re
from typing import Any

from chanx.client_generator._spec import class_name

_SCHEMA_REF = "#/components/schemas/"
_SIMPLE = {
    "string": "string",
    "integer": "number",
    "number": "number",
    "boolean": "boolean",
    "null": "null",
}
_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def _union(parts: list[str]) -> str:
    unique = list(dict.fromkeys(parts))
    if "unknown" in unique:
        return "unknown"
    return " | ".join(unique) or "never"


def _wrap(text: str) -> str:
    return f"({text})" if " | " in text else text


def ts_type(schema: Any) -> str:
    """The TypeScript type of a JSON Schema (``unknown`` when nothing narrower is known)."""
    if schema is True or schema == {} or not isinstance(schema, dict):
        return "unknown"
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if not ref.startswith(_SCHEMA_REF):
            return "unknown"
        return class_name(ref.removeprefix(_SCHEMA_REF))
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return _union([json.dumps(v) for v in schema["enum"]])
    for combo in ("anyOf", "oneOf"):
        if combo in schema:
            return _union([ts_type(s) for s in schema[combo]])
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return ts_type(schema["allOf"][0])
    kind = schema.get("type")
    if isinstance(kind, list):
        return _union([ts_type({**schema, "type": k}) for k in kind])
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    if kind == "array":
        prefix = schema.get("prefixItems")
        items = schema.get("items")
        if prefix is None and isinstance(items, list):
            prefix = items
        if isinstance(prefix, list):
            if schema.get("maxItems") == len(prefix):
                return f"[{', '.join(ts_type(s) for s in prefix)}]"
            return "unknown[]"
        return f"Array<{ts_type(items)}>"
    if kind == "object" or "properties" in schema:
        if "properties" in schema:
            return _inline(schema)
        extra = schema.get("additionalProperties")
        value = ts_type(extra) if isinstance(extra, dict) and extra else "unknown"
        return f"Record<string, {value}>"
    return "unknown"


def _key(name: str) -> str:
    return name if _IDENT.match(name) else json.dumps(name)


def _members(schema: dict[str, Any]) -> list[str]:
    required = set(schema.get("required") or [])
    out: list[str] = []
    for name, prop in (schema.get("properties") or {}).items():
        # The discriminator (a const) is always present; defaults make a property optional.
        optional = name not in required and not (isinstance(prop, dict) and "const" in prop)
        out.append(f"{_key(name)}{'?' if optional else ''}: {ts_type(prop)};")
    return out


def _inline(schema: dict[str, Any]) -> str:
    return "{ " + " ".join(_members(schema)) + " }"


def _comment(text: str, indent: str = "") -> list[str]:
    text = text.strip().replace("*/", "* /")
    if not text:
        return []
    body = [f"{indent} * {line}".rstrip() for line in text.splitlines()]
    return [f"{indent}/**", *body, f"{indent} */"]


def declaration(name: str, schema: dict[str, Any]) -> str:
    """``export interface`` for an object schema, else ``export type``."""
    doc = _comment(str(schema.get("description") or ""))
    if schema.get("type") == "object" and "properties" in schema:
        body = [f"  {m}" for m in _members(schema)]
        return "\n".join([*doc, f"export interface {name} {{", *body, "}"]) + "\n"
    return "\n".join([*doc, f"export type {name} = {ts_type(schema)};"]) + "\n"
