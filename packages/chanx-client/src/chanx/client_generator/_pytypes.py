"""JSON Schema -> Python type annotations and Pydantic model source."""

from __future__ import annotations

import json
import keyword
import re
from typing import Any

from chanx.client_generator._spec import class_name, snake

_SCHEMA_REF = "#/components/schemas/"
_SIMPLE = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}
#: Attribute names a Pydantic model must not use as field names.
_RESERVED = frozenset(
    {"copy", "dict", "json", "schema", "construct", "validate", "fields", "register"}
)


def refs_of(schema: Any) -> set[str]:
    """Class names of every schema ``schema`` refers to (directly or nested)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(_SCHEMA_REF):
                found.add(class_name(ref.removeprefix(_SCHEMA_REF)))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return found


def is_model(schema: dict[str, Any]) -> bool:
    """Whether ``schema`` becomes a class (an object with properties) rather than an alias."""
    return (schema.get("type") == "object" and "properties" in schema) or (
        "properties" in schema and "type" not in schema
    )


def _union(parts: list[str]) -> str:
    unique = list(dict.fromkeys(parts))
    if "Any" in unique:
        return "Any"
    none = "None" in unique
    rest = [p for p in unique if p != "None"]
    return " | ".join([*rest, "None"] if none else rest) or "None"


def _literal(value: str | int) -> str:
    return json.dumps(value) if isinstance(value, str) else repr(value)


def annotation(schema: Any) -> str:
    """The Python annotation for a JSON Schema (``Any`` when nothing narrower is known)."""
    if schema is True or schema == {} or not isinstance(schema, dict):
        return "Any"
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return class_name(ref.removeprefix(_SCHEMA_REF)) if ref.startswith(_SCHEMA_REF) else "Any"
    if "const" in schema or "enum" in schema:
        values = [schema["const"]] if "const" in schema else list(schema["enum"] or [])
        # Literal takes str, int and bool (written as Python, not JSON); a float is a float.
        literals = [_literal(v) for v in values if isinstance(v, (str, int))]
        parts = [f"Literal[{', '.join(literals)}]"] if literals else []
        if any(isinstance(v, float) for v in values):
            parts.append("float")
        if any(not isinstance(v, (str, int, float)) and v is not None for v in values):
            parts.append("Any")
        return _union([*parts, *(["None"] if None in values else [])])
    for combo in ("anyOf", "oneOf"):
        if combo in schema:
            return _union([annotation(s) for s in schema[combo]])
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return annotation(schema["allOf"][0])
    kind = schema.get("type")
    if isinstance(kind, list):
        return _union([annotation({**schema, "type": k}) for k in kind])
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    if kind == "array":
        prefix = schema.get("prefixItems")
        items = schema.get("items")
        if prefix is None and isinstance(items, list):
            prefix = items
        if isinstance(prefix, list):
            if schema.get("maxItems") == len(prefix):
                return (
                    f"tuple[{', '.join(annotation(s) for s in prefix)}]" if prefix else "tuple[()]"
                )
            return "list[Any]"
        return f"list[{annotation(items)}]"
    if kind == "object":
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            return f"dict[str, {annotation(extra)}]"
        return "dict[str, Any]"
    return "Any"


def field_name(wire_name: str) -> str:
    """A valid field name for ``wire_name`` (itself whenever Python and Pydantic allow it)."""
    if (
        wire_name.isidentifier()
        and not keyword.iskeyword(wire_name)
        and not wire_name.startswith(("_", "model_"))
        and wire_name not in _RESERVED
    ):
        return wire_name
    name = snake(wire_name) or "field"
    if (
        name[0].isdigit()
        or keyword.iskeyword(name)
        or name.startswith("model_")
        or name in _RESERVED
    ):
        name = f"f_{name}"
    return name


def _default(value: Any) -> str:
    if isinstance(value, (list, dict)):
        return f"Field(default_factory=lambda: {value!r})"
    return json.dumps(value) if isinstance(value, str) else repr(value)


def _docstring(text: str, indent: str) -> list[str]:
    text = text.strip().replace("\\", "\\\\")
    if text.endswith('"'):  # else it would run into the closing quotes
        text = text[:-1] + '\\"'
    text = text.replace('"""', '\\"\\"\\"')
    if not text:
        return []
    lines = text.splitlines()
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""', ""]
    return [
        f'{indent}"""{lines[0]}',
        *[f"{indent}{ln}".rstrip() for ln in lines[1:]],
        f'{indent}"""',
        "",
    ]


def model_source(name: str, schema: dict[str, Any]) -> str:
    """Source of the Pydantic model (or type alias) generated for schema ``name``."""
    if not is_model(schema):
        return f"{name} = {annotation(schema)}\n"
    lines = [f"class {name}(BaseModel):"]
    lines += _docstring(str(schema.get("description") or ""), "    ")
    required = set(schema.get("required") or [])
    body: list[str] = []
    aliased = False
    for wire_name, prop in (schema.get("properties") or {}).items():
        attr = field_name(wire_name)
        kind = annotation(prop)
        args: list[str] = []
        if attr != wire_name:
            aliased = True
            alias = json.dumps(wire_name)
            args += [f"validation_alias={alias}", f"serialization_alias={alias}"]
        default: str | None = None
        if isinstance(prop, dict) and "default" in prop:
            default = _default(prop["default"])
        elif isinstance(prop, dict) and "const" in prop:
            default = _default(prop["const"])
        elif wire_name not in required:
            default = "None"
            if kind != "Any" and "None" not in kind.split(" | "):
                kind = f"{kind} | None"
        if default is not None and default.startswith("Field("):
            args.insert(0, default.removeprefix("Field(").removesuffix(")"))
            default = None
        elif default is not None and args:
            args.insert(0, f"default={default}")
            default = None
        value = f"Field({', '.join(args)})" if args else default
        body.append(f"    {attr}: {kind}" + (f" = {value}" if value is not None else ""))
    if aliased:
        body.insert(0, "    model_config = ConfigDict(populate_by_name=True)\n")
    lines += body or ["    pass"]
    return "\n".join(lines) + "\n"


def uses(sources: list[str]) -> set[str]:
    """The typing/pydantic names a set of generated sources needs imported."""
    text = "\n".join(sources)
    return {
        n
        for n in ("Any", "Literal", "Field", "ConfigDict", "Annotated")
        if re.search(rf"\b{n}\b", text)
    }
