"""AsyncAPIGenerator, the type definitions and the constants, as documented."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import asyncapi_kitchen as kitchen
import pytest
from asyncapi_tools import ParseFn
from pydantic import ValidationError

from chanx.asyncapi import AsyncAPIGenerator, NoConsumersError, generate, validate_document
from chanx.asyncapi.constants import (
    DEFAULT_ASYNCAPI_TITLE,
    DEFAULT_ASYNCAPI_VERSION,
    DEFAULT_SERVER_PROTOCOL,
    DEFAULT_SERVER_URL,
)
from chanx.asyncapi.type_defs import (
    AsyncAPIDocument,
    ChannelObject,
    MessageObject,
    OperationObject,
    SchemaObject,
    ServerObject,
)
from chanx.routing import find_routes

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def routes() -> list[Any]:
    return find_routes(kitchen.app)


def test_defaults(routes: list[Any]) -> None:
    data = AsyncAPIGenerator(routes).generate()
    assert data["asyncapi"] == "3.0.0"
    assert data["info"] == {"title": DEFAULT_ASYNCAPI_TITLE, "version": DEFAULT_ASYNCAPI_VERSION}
    assert data["servers"] == {
        "development": {"host": DEFAULT_SERVER_URL, "protocol": DEFAULT_SERVER_PROTOCOL}
    }
    assert (DEFAULT_ASYNCAPI_TITLE, DEFAULT_ASYNCAPI_VERSION) == ("AsyncAPI Documentation", "1.0.0")
    assert validate_document(data) == []


def test_every_option(routes: list[Any], tmp_path: Path, asyncapi_parser: ParseFn) -> None:
    generator = AsyncAPIGenerator(
        routes,
        title="Kitchen",
        version="2.0.0",
        description="Everything",
        server_url="api.example.com",
        server_protocol="wss",
        camelize=True,
        servers=None,
        security_schemes={
            "queryToken": {"type": "httpApiKey", "name": "t", "in": "query"},  # wins
            "bearer": {"type": "http", "scheme": "bearer"},
        },
    )
    data = generator.generate()
    assert data["info"] == {"title": "Kitchen", "version": "2.0.0", "description": "Everything"}
    assert data["servers"] == {"production": {"host": "api.example.com", "protocol": "wss"}}
    schemes = data["components"]["securitySchemes"]
    assert schemes["queryToken"]["name"] == "t"
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer"}
    # camelize documents every consumer in camelCase, the plain one included
    assert set(data["components"]["schemas"]["ChatPayload"]["properties"]) == {
        "messageText",
        "replyTo",
    }
    assert generator.build_channels() == data["channels"]
    assert generator.build_operations() == data["operations"]
    messages = generator.get_channel_messages(kitchen.PlainConsumer)
    assert set(messages) == set(data["channels"]["PlainConsumer"]["messages"])
    with pytest.raises(LookupError, match="UnroutedConsumer is not among"):
        generator.get_channel_messages(kitchen.UnroutedConsumer)
    spec = tmp_path / "generator.json"
    spec.write_text(json.dumps(data))
    (verdict,) = asyncapi_parser(spec)
    assert verdict["errors"] == []


def test_servers_replace_the_generated_one_and_are_validated(routes: list[Any]) -> None:
    servers = {"edge": {"host": "edge.example.com", "protocol": "wss", "pathname": "/ws"}}
    assert AsyncAPIGenerator(routes, servers=servers).generate()["servers"] == servers
    with pytest.raises(ValidationError, match="protocol"):
        AsyncAPIGenerator(routes, servers={"bad": {"host": "x"}})
    with pytest.raises(ValueError, match=r"security_schemes\['x'\] is not a security scheme"):
        AsyncAPIGenerator(routes, security_schemes={"x": {"type": "http"}})


def test_no_routes_give_a_document_without_channels() -> None:
    data = AsyncAPIGenerator([]).generate()
    assert (data["channels"], data["operations"]) == ({}, {})
    assert validate_document(data) == []
    with pytest.raises(NoConsumersError, match="no chanx consumer is routed"):
        generate([])  # the any-app helper refuses: nothing to document is a mistake there


def test_type_defs_read_a_document_back(routes: list[Any]) -> None:
    data = AsyncAPIGenerator(routes, description=None).generate()
    doc = AsyncAPIDocument.model_validate(data)
    channel = doc.get_channel("kitchen")
    assert isinstance(channel, ChannelObject)
    assert channel.address == "/ws/kitchen/{room}"
    operation = doc.get_operation("kitchen.receive.ping")
    assert isinstance(operation, OperationObject)
    assert operation.action == "receive"
    message = doc.get_message("PingMessage")
    assert isinstance(message, MessageObject)
    assert message.name == "ping"
    assert isinstance(doc.get_server("development"), ServerObject)
    schema = SchemaObject.model_validate(doc.get_schema("ChatPayload"))
    assert schema.properties is not None
    assert schema.properties["message_text"].type == "string"
    assert doc.resolve("#/components/messages/PingMessage") is message
    assert doc.get_channel("nope") is None
    assert doc.get_schema("nope") is None
    assert doc.resolve("elsewhere.json#/x") is None
