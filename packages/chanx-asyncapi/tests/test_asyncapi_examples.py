"""Example payloads synthesized from schemas, and documents of unusual payload types."""

from __future__ import annotations

import datetime
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from chanx.asyncapi import generate, validate_document
from chanx.asyncapi._examples import example_for
from chanx.core.consumer import ChanxConsumer
from chanx.core.decorators import ws_handler
from chanx.messages.base import BaseMessage


class Node(BaseModel):
    """A self-referencing tree."""

    label: str
    children: list[Node] = []


class Rich(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"when": "2020-02-02T00:00:00Z"}]})

    when: datetime.datetime


class Everything(BaseModel):
    at: datetime.datetime
    day: datetime.date
    ident: uuid.UUID
    email_like: str = Field(json_schema_extra={"format": "email"})
    code: str = Field(min_length=12, max_length=12)
    short: str = Field(max_length=3)
    score: int = Field(gt=10)
    ratio: float = Field(ge=0.5)
    low: int = Field(le=-3)
    below: int = Field(lt=-1)
    kind: Literal["a", "b"]
    maybe: int | None
    pair: tuple[int, str]
    mapping: dict[str, int]
    tree: Node
    flag: bool
    nothing: None
    rich: Rich


class EverythingMessage(BaseMessage):
    action: Literal["everything"] = "everything"
    payload: Everything


def test_examples_fit_their_schema() -> None:
    doc = generate([("/ws", _consumer())]).to_dict()
    schemas = doc["components"]["schemas"]
    example = example_for({"$ref": "#/components/schemas/EverythingMessage"}, schemas)
    payload = example["payload"]
    assert payload["email_like"] == "user@example.com"
    assert len(payload["code"]) == 12
    assert payload["short"] == "str"
    assert payload["score"] == 11
    assert payload["low"] == -3
    assert payload["kind"] == "a"
    assert payload["rich"] == {"when": "2020-02-02T00:00:00Z"}  # the model's own example
    assert payload["mapping"] == {"key": 0}
    TypeAdapter(EverythingMessage).validate_python(example)


def test_recursion_ends() -> None:
    schemas = {"Node": TypeAdapter(Node).json_schema(ref_template="#/{model}")["$defs"]["Node"]}
    schemas["Node"]["properties"]["children"] = {"items": {"$ref": "#/Node"}, "type": "array"}
    value = example_for({"$ref": "#/Node"}, schemas)
    depth = 0
    while isinstance(value, dict) and value.get("children"):
        value, depth = value["children"][0], depth + 1
    assert 0 < depth < 10


def test_combinators_and_unknown_shapes() -> None:
    both = {
        "allOf": [{"properties": {"a": {"type": "integer"}}}, {"properties": {"b": {"const": 1}}}]
    }
    assert example_for(both, {}) == {"a": 0, "b": 1}
    assert example_for({"anyOf": [{"type": "null"}, {"type": "string"}]}, {}) == "string"
    assert example_for({"type": ["null", "boolean"]}, {}) is True
    assert example_for({}, {}) is None
    assert example_for("not a schema", {}) is None


def _consumer() -> type[ChanxConsumer[Any]]:
    class EverythingConsumer(ChanxConsumer[Any]):
        @ws_handler(output_type=dict[str, int])
        async def handle_everything(self, message: EverythingMessage) -> None:
            return None

    return EverythingConsumer


def test_a_non_model_output_gets_a_named_schema() -> None:
    doc = generate([("/ws", _consumer())]).to_dict()
    assert doc["components"]["schemas"]["everything_output"] == {
        "additionalProperties": {"type": "integer"},
        "type": "object",
    }
    sent = doc["operations"]["EverythingConsumer.send.everything"]
    assert sent["messages"] == [
        {"$ref": "#/channels/EverythingConsumer/messages/everything_output"}
    ]
    assert validate_document(doc) == []


def test_draft7_rewrite_leaves_names_and_data_alone() -> None:
    from chanx.asyncapi._schemas import to_draft7

    schema: dict[str, Any] = {
        "properties": {
            "prefixItems": {"type": "string", "default": "x"},
            "pair": {"prefixItems": [{"type": "integer"}], "items": False, "type": "array"},
            "choice": {"oneOf": [], "discriminator": {"propertyName": "kind", "mapping": {}}},
        },
        "default": {"prefixItems": [1], "discriminator": {"propertyName": "keep"}},
    }
    out = to_draft7(schema)
    assert out is schema
    assert out["properties"]["prefixItems"] == {"type": "string", "default": "x"}
    assert out["properties"]["pair"] == {
        "type": "array",
        "items": [{"type": "integer"}],
        "additionalItems": False,
    }
    assert out["properties"]["choice"]["discriminator"] == "kind"
    assert out["default"] == {"prefixItems": [1], "discriminator": {"propertyName": "keep"}}
