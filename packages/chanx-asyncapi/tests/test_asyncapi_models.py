"""The typed AsyncAPI 3.0.0 models: spec names on the wire, None dropped, unknown keys refused."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from chanx.asyncapi.v3_0_0 import (
    AsyncAPI,
    Channel,
    Info,
    Message,
    Operation,
    Reference,
    SecurityScheme,
    address_parameters,
    server_from_url,
)


def _minimal(**extra: Any) -> dict[str, Any]:
    return {"asyncapi": "3.0.0", "info": {"title": "t", "version": "1"}, **extra}


def test_references_serialize_as_dollar_ref_and_none_is_dropped() -> None:
    op = Operation(action="send", channel=Reference(ref="#/channels/a"), summary=None)
    assert op.to_dict() == {"action": "send", "channel": {"$ref": "#/channels/a"}}


def test_spec_names_are_aliases_both_ways() -> None:
    doc = AsyncAPI.model_validate(
        _minimal(defaultContentType="application/json", info={"title": "t", "version": "1",
                 "externalDocs": {"url": "https://example.com"}})
    )  # fmt: skip
    assert doc.default_content_type == "application/json"
    data = doc.to_dict()
    assert data["defaultContentType"] == "application/json"
    assert data["info"]["externalDocs"] == {"url": "https://example.com"}


def test_schema_dicts_keep_their_nulls() -> None:
    message = Message(payload={"type": "null", "default": None})
    assert message.to_dict() == {"payload": {"type": "null", "default": None}}


def test_unknown_fields_are_refused_but_extensions_kept() -> None:
    with pytest.raises(ValidationError, match=r"unknown field.*'sumary'"):
        Info.model_validate({"title": "t", "version": "1", "sumary": "typo"})
    info = Info.model_validate({"title": "t", "version": "1", "x-team": "chat"})
    assert info.to_dict()["x-team"] == "chat"


def test_a_reference_and_an_object_are_told_apart() -> None:
    doc = AsyncAPI.model_validate(
        _minimal(channels={"a": {"$ref": "#/components/channels/a"}, "b": {"address": "/b"}})
    )
    assert doc.channels is not None
    assert isinstance(doc.channels["a"], Reference)
    assert isinstance(doc.channels["b"], Channel)


def test_the_version_is_required_and_must_be_3_0_0() -> None:
    with pytest.raises(ValidationError):
        AsyncAPI.model_validate({"info": {"title": "t", "version": "1"}})
    with pytest.raises(ValidationError):
        AsyncAPI.model_validate({**_minimal(), "asyncapi": "2.6.0"})


def test_keys_must_match_the_spec_pattern() -> None:
    with pytest.raises(ValidationError, match="channel key 'a b'"):
        AsyncAPI.model_validate(_minimal(channels={"a b": {"address": "/x"}}))
    with pytest.raises(ValidationError, match=r"components\.securitySchemes key"):
        AsyncAPI.model_validate(_minimal(components={"securitySchemes": {"a/b": {"type": "X509"}}}))


@pytest.mark.parametrize(
    ("scheme", "error"),
    [
        ({"type": "httpApiKey", "in": "query"}, "needs name"),
        ({"type": "httpApiKey", "name": "t", "in": "body"}, "'in' must be one of"),
        ({"type": "http"}, "needs scheme"),
        ({"type": "apiKey", "in": "query"}, "'in' must be one of"),
        ({"type": "magic"}, "type"),
    ],
)
def test_security_schemes_need_the_fields_of_their_type(scheme: dict[str, Any], error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        SecurityScheme.model_validate(scheme)


def test_security_scheme_round_trip() -> None:
    data = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert SecurityScheme.model_validate(data).to_dict() == data


def test_server_from_url() -> None:
    server = server_from_url("wss://chat.example.com:8443/base/")
    assert server.to_dict() == {
        "host": "chat.example.com:8443",
        "protocol": "wss",
        "pathname": "/base",
    }
    assert server_from_url("ws://localhost:8000").to_dict() == {
        "host": "localhost:8000",
        "protocol": "ws",
    }
    with pytest.raises(ValueError, match=r"needs a scheme and a host.*'localhost'"):
        server_from_url("localhost")


def test_address_parameters_in_order_without_repeats() -> None:
    assert address_parameters("/ws/{room}/{user}/{room}") == ["room", "user"]
    assert address_parameters(None) == []
