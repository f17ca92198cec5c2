"""JSON Schema -> Python annotations and TypeScript types, field names and document errors."""

from __future__ import annotations

from typing import Any

import pytest

from chanx.client_generator import SchemaError
from chanx.client_generator._pytypes import annotation, field_name
from chanx.client_generator._spec import read_api
from chanx.client_generator._tstypes import ts_type

CASES: list[tuple[dict[str, Any], str, str]] = [
    ({"type": "string"}, "str", "string"),
    ({"type": "integer"}, "int", "number"),
    ({"type": "number"}, "float", "number"),
    ({"type": "boolean"}, "bool", "boolean"),
    ({"type": "null"}, "None", "null"),
    ({}, "Any", "unknown"),
    ({"const": "chat"}, 'Literal["chat"]', '"chat"'),
    ({"enum": ["a", "b"]}, 'Literal["a", "b"]', '"a" | "b"'),
    ({"anyOf": [{"type": "string"}, {"type": "null"}]}, "str | None", "string | null"),
    ({"type": ["integer", "null"]}, "int | None", "number | null"),
    ({"type": "array", "items": {"type": "string"}}, "list[str]", "Array<string>"),
    (
        {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "maxItems": 2},
        "tuple[str, int]",
        "[string, number]",
    ),
    (
        {"type": "object", "additionalProperties": {"type": "integer"}},
        "dict[str, int]",
        "Record<string, number>",
    ),
    ({"type": "object"}, "dict[str, Any]", "Record<string, unknown>"),
    ({"$ref": "#/components/schemas/Room.Info"}, "Room_Info", "Room_Info"),
    ({"allOf": [{"$ref": "#/components/schemas/A"}]}, "A", "A"),
]


@pytest.mark.parametrize(("schema", "python", "typescript"), CASES)
def test_schema_types(schema: dict[str, Any], python: str, typescript: str) -> None:
    assert annotation(schema) == python
    assert ts_type(schema) == typescript


@pytest.mark.parametrize(
    ("wire", "python"),
    [("text", "text"), ("userText", "userText"), ("from", "f_from"), ("x-id", "x_id"),
     ("schema", "f_schema"), ("model_id", "f_model_id"), ("_private", "private"), ("1st", "f_1st")],
)  # fmt: skip
def test_field_names_are_valid_python(wire: str, python: str) -> None:
    assert field_name(wire) == python
    assert python.isidentifier()


def _doc(**extra: Any) -> dict[str, Any]:
    return {"asyncapi": "3.0.0", "info": {"title": "t", "version": "1"}, **extra}


def test_operation_on_unknown_channel_is_refused() -> None:
    doc = _doc(operations={"op": {"action": "send", "channel": {"$ref": "#/channels/nope"}}})
    with pytest.raises(SchemaError, match="unknown channel 'nope'"):
        read_api(doc)


def test_remote_refs_are_refused() -> None:
    doc = _doc(
        channels={"c": {"address": "/c"}},
        operations={
            "op": {
                "action": "send",
                "channel": {"$ref": "#/channels/c"},
                "messages": [{"$ref": "https://example.com/m.json"}],
            }
        },
    )
    with pytest.raises(SchemaError, match="only local"):
        read_api(doc)


def test_inline_payload_becomes_a_named_model() -> None:
    payload = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    doc = _doc(
        channels={
            "c": {"address": "/c", "messages": {"m": {"name": "count_up", "payload": payload}}}
        },
        operations={
            "op": {
                "action": "send",
                "channel": {"$ref": "#/channels/c"},
                "messages": [{"$ref": "#/channels/c/messages/m"}],
            }
        },
    )
    api = read_api(doc)
    assert [m.name for m in api.channels[0].incoming] == ["CountUp"]
    assert "CountUp" in api.schemas
