"""Example payloads synthesized from JSON Schema, for messages that declare none.

Explicit ``examples``/``default``/``const``/``enum`` win; otherwise each type gets a plain
placeholder. Every property is filled in (not only required ones) so a reader sees the whole
shape; recursion through ``$ref`` stops at a fixed depth so self-referencing models end.
"""

from __future__ import annotations

from typing import Any

__all__ = ["example_for"]

_MAX_DEPTH = 6
_FORMATS = {
    "date-time": "2024-01-01T12:00:00Z",
    "date": "2024-01-01",
    "time": "12:00:00",
    "email": "user@example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "uri": "https://example.com/",
    "duration": "PT1M",
}
_PLAIN = {"string": "string", "integer": 0, "number": 0.0, "boolean": True, "null": None}


def example_for(
    schema: Any, schemas: dict[str, Any], depth: int = 0, memo: dict[Any, Any] | None = None
) -> Any:
    """An example value of ``schema``; ``$ref`` resolved against ``components/schemas``.

    ``memo`` (any dict, reused across calls) caches the examples of referenced schemas.
    """
    if memo is None:
        memo = {}
    if not isinstance(schema, dict):
        return None
    values = schema.get("examples")
    if isinstance(values, list) and values:
        return values[0]
    if "const" in schema:
        return schema["const"]
    if "default" in schema:
        return schema["default"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if depth >= _MAX_DEPTH:
            return None
        memo_key = (ref, depth)
        if memo_key not in memo:
            target = schemas.get(ref.rsplit("/", 1)[-1])
            memo[memo_key] = example_for(target, schemas, depth + 1, memo)
        return memo[memo_key]
    for key in ("oneOf", "anyOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            useful = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
            return example_for((useful or options)[0], schemas, depth, memo)
    if isinstance(schema.get("allOf"), list):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = example_for(part, schemas, depth, memo)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        if depth >= _MAX_DEPTH:
            return {}
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        if not props and isinstance(extra, dict) and extra:
            return {"key": example_for(extra, schemas, depth + 1, memo)}
        return {name: example_for(sub, schemas, depth + 1, memo) for name, sub in props.items()}
    if kind == "array":
        items = schema.get("items")
        if isinstance(items, list):
            return [example_for(i, schemas, depth + 1, memo) for i in items]
        if depth >= _MAX_DEPTH:
            return []
        return [example_for(items, schemas, depth + 1, memo)] if isinstance(items, dict) else []
    if kind == "string":
        return _string(schema)
    if kind in ("integer", "number"):
        return _number(schema, kind)
    return _PLAIN.get(kind) if isinstance(kind, str) else None


def _string(schema: dict[str, Any]) -> str:
    text = _FORMATS.get(schema.get("format", ""), "string")
    low, high = schema.get("minLength"), schema.get("maxLength")
    if isinstance(low, int) and len(text) < low:
        text = text + "x" * (low - len(text))
    if isinstance(high, int) and len(text) > high:
        text = text[:high]
    return text


def _number(schema: dict[str, Any], kind: str) -> int | float:
    value: int | float = 0
    if isinstance(schema.get("minimum"), int | float):
        value = schema["minimum"]
    elif isinstance(schema.get("exclusiveMinimum"), int | float):
        value = schema["exclusiveMinimum"] + 1
    elif isinstance(schema.get("maximum"), int | float):
        value = min(0, schema["maximum"])
    elif isinstance(schema.get("exclusiveMaximum"), int | float):
        value = min(0, schema["exclusiveMaximum"] - 1)
    return int(value) if kind == "integer" else float(value)
