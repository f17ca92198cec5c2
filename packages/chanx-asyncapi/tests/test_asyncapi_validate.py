"""``validate_document``: structure through the v3_0_0 models, then cross-reference rules."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import asyncapi_kitchen as kitchen
import pytest

from chanx.asyncapi import SpecFileError, generate, load_file, to_yaml, validate_document


@pytest.fixture(scope="module")
def good() -> dict[str, Any]:
    return generate(kitchen.routes).to_dict()


@pytest.fixture
def doc(good: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(good)


def test_a_generated_document_is_valid(good: dict[str, Any]) -> None:
    assert validate_document(good) == []


def test_not_a_mapping_or_wrong_version() -> None:
    assert validate_document([1]) == ["(root): an AsyncAPI document is a mapping, got list"]
    assert validate_document({"asyncapi": "2.6.0"}) == ["asyncapi: expected '3.0.0', got '2.6.0'"]


def test_structural_errors_name_the_location(doc: dict[str, Any]) -> None:
    doc["operations"]["kitchen.receive.ping"]["action"] = "publish"
    doc["channels"]["kitchen"]["sumary"] = "typo"
    problems = validate_document(doc)
    assert any(p.startswith("channels/kitchen") and "'sumary'" in p for p in problems)
    assert any(p.startswith("operations/kitchen.receive.ping") and "action" in p for p in problems)


def test_unresolved_reference(doc: dict[str, Any]) -> None:
    doc["components"]["messages"]["PingMessage"]["payload"] = {"$ref": "#/components/schemas/Nope"}
    assert validate_document(doc) == [
        "#/components/messages/PingMessage/payload: "
        "$ref '#/components/schemas/Nope' does not resolve"
    ]


def test_undeclared_and_unused_parameters(doc: dict[str, Any]) -> None:
    doc["channels"]["kitchen"]["parameters"] = {"other": {}}
    assert validate_document(doc) == [
        "channels/kitchen: address parameter 'room' is not declared",
        "channels/kitchen/parameters/other: not in the channel address",
    ]


def test_operation_messages_must_belong_to_its_channel(doc: dict[str, Any]) -> None:
    doc["operations"]["kitchen.receive.ping"]["messages"] = [
        {"$ref": "#/channels/PlainConsumer/messages/PingMessage"}
    ]
    assert validate_document(doc) == [
        "operations/kitchen.receive.ping/messages/0: message "
        "'#/channels/PlainConsumer/messages/PingMessage' is not a message of channel 'kitchen'"
    ]


def test_reply_messages_must_belong_to_the_reply_channel(doc: dict[str, Any]) -> None:
    doc["operations"]["kitchen.receive.ping"]["reply"]["channel"] = {
        "$ref": "#/channels/PlainConsumer"
    }
    problems = validate_document(doc)
    assert problems == [
        "operations/kitchen.receive.ping/reply/messages/0: reply message "
        "'#/channels/kitchen/messages/PongMessage' is not a message of channel 'PlainConsumer'"
    ]


def test_operation_channel_must_point_at_a_channel(doc: dict[str, Any]) -> None:
    doc["operations"]["kitchen.receive.ping"]["channel"] = {
        "$ref": "#/components/schemas/ChatPayload"
    }
    assert (
        "operations/kitchen.receive.ping/channel: must be a $ref to #/channels/<id>"
        in validate_document(doc)
    )


def test_schema_dialect_problems(doc: dict[str, Any]) -> None:
    schema = doc["components"]["schemas"]["ChatMessage"]
    schema["discriminator"] = {"propertyName": "action"}
    schema["properties"]["payload"] = {"prefixItems": [{"type": "str"}]}
    assert validate_document(doc) == sorted([
        "components/schemas/ChatMessage/properties/payload/prefixItems: not part of the AsyncAPI "
        "Schema (Draft 07) dialect",
        "components/schemas/ChatMessage/properties/payload/prefixItems/0/type: unknown JSON "
        "Schema type 'str'",
        "components/schemas/ChatMessage/discriminator: must be a property name (string)",
    ])  # fmt: skip


def test_property_names_are_not_keywords(good: dict[str, Any]) -> None:
    # ErrorDetail has a property called "type": it must not be read as a JSON Schema type.
    assert "type" in good["components"]["schemas"]["ErrorDetail"]["properties"]
    assert validate_document(good) == []


def test_load_file_reads_json_and_yaml(tmp_path: Path, good: dict[str, Any]) -> None:
    (tmp_path / "a.json").write_text(json.dumps(good))
    (tmp_path / "a.yaml").write_text(to_yaml(good))
    assert load_file(tmp_path / "a.json") == good
    assert load_file(tmp_path / "a.yaml") == good


def test_load_file_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("a: [1, 2\n")
    with pytest.raises(SpecFileError, match="neither valid JSON nor YAML"):
        load_file(tmp_path / "bad.yaml")
    with pytest.raises(SpecFileError, match="cannot read"):
        load_file(tmp_path / "missing.json")


def test_yaml_has_no_aliases_even_for_shared_values() -> None:
    shared = {"a": 1}
    text = to_yaml({"asyncapi": "3.0.0", "x": shared, "y": shared})
    assert "&id" not in text
    assert "*id" not in text
