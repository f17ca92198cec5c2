"""Every row of the seed's mapping table, checked on the kitchen-sink application."""

from __future__ import annotations

import json
from typing import Any

import asyncapi_kitchen as kitchen
import pytest
from pydantic import TypeAdapter, ValidationError

from chanx.asyncapi import generate, to_json
from chanx.core.camel import camel_model


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return generate(kitchen.app).to_dict()


def _op(doc: dict[str, Any], op_id: str) -> dict[str, Any]:
    op: dict[str, Any] = doc["operations"][op_id]
    return op


def _names(refs: list[dict[str, str]]) -> list[str]:
    return [r["$ref"].rsplit("/", 1)[-1] for r in refs]


def _kitchen_ops(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        k.removeprefix("kitchen."): v
        for k, v in doc["operations"].items()
        if k.startswith("kitchen.")
    }


def test_ws_handler_with_a_return_type_is_receive_with_reply(doc: dict[str, Any]) -> None:
    op = _op(doc, "kitchen.receive.ping")
    assert op["action"] == "receive"
    assert op["channel"] == {"$ref": "#/channels/kitchen"}
    assert op["messages"] == [{"$ref": "#/channels/kitchen/messages/PingMessage"}]
    assert op["reply"] == {
        "channel": {"$ref": "#/channels/kitchen"},
        "messages": [{"$ref": "#/channels/kitchen/messages/PongMessage"}],
    }


def test_a_broadcasting_handler_sends_its_output_not_a_reply(doc: dict[str, Any]) -> None:
    """``output_type=`` on a handler returning None: the output arrives without the ref."""
    op = _op(doc, "kitchen.receive.chat")
    assert "reply" not in op
    assert op["summary"] == "Send a chat line"
    assert op["description"] == "Broadcast to the room."
    assert op["tags"] == [{"name": "chat"}]
    sent = _op(doc, "kitchen.send.chat")
    assert sent["action"] == "send"
    assert _names(sent["messages"]) == ["ChatNotification"]
    assert "no ref" in sent["summary"]
    assert "correlationId" not in doc["components"]["messages"]["ChatNotification"]


def test_ws_handler_without_output_has_no_reply(doc: dict[str, Any]) -> None:
    op = _op(doc, "kitchen.receive.log")
    assert "reply" not in op
    assert op["description"] == "Write the line to the server log."  # from the docstring


def test_union_return_type_lists_every_reply_message(doc: dict[str, Any]) -> None:
    assert _names(_op(doc, "kitchen.receive.stats")["reply"]["messages"]) == [
        "StatsReply",
        "NotAllowed",
    ]


def test_operation_name_is_the_input_action(doc: dict[str, Any]) -> None:
    assert "kitchen.receive.extra_info" in doc["operations"]
    assert _names(_op(doc, "kitchen.send.extra_info")["messages"]) == ["LabelReply"]


def test_event_handlers_are_send_operations_of_their_output(doc: dict[str, Any]) -> None:
    job = _op(doc, "kitchen.send.job_status")
    assert job["action"] == "send"
    assert _names(job["messages"]) == ["JobStatus"]
    assert "reply" not in job
    notice = _op(doc, "kitchen.send.system_notification")
    assert _names(notice["messages"]) == ["SystemNotification"]
    assert notice["summary"] == "System notice"


def test_event_input_types_are_never_documented(doc: dict[str, Any]) -> None:
    text = json.dumps(doc)
    for internal in ("SecretJobEvent", "secret_job", "InternalNotifyEvent", "internal_notify"):
        assert internal not in text


def test_passthrough_events_are_send_operations(doc: dict[str, Any]) -> None:
    joined = _op(doc, "kitchen.send.user_joined")
    assert _names(joined["messages"]) == ["UserJoined"]
    assert joined["description"] == "Someone joined (forwarded unchanged)."


def test_an_explicit_handler_wins_over_passthrough(doc: dict[str, Any]) -> None:
    left = [k for k in doc["operations"] if k.startswith("kitchen.send.user_left")]
    assert left == ["kitchen.send.user_left"]
    assert _op(doc, "kitchen.send.user_left")["description"].startswith("Explicit handler")


def test_error_completion_and_authentication_frames_are_documented(doc: dict[str, Any]) -> None:
    ops = _kitchen_ops(doc)
    assert _names(ops["send.error"]["messages"]) == ["ErrorMessage"]
    assert _names(ops["send.complete"]["messages"]) == ["CompleteMessage"]
    assert _names(ops["send.authentication"]["messages"]) == ["AuthenticationMessage"]
    plain = [k for k in doc["operations"] if k.startswith("PlainConsumer.")]
    assert plain == [
        "PlainConsumer.receive.ping",
        "PlainConsumer.send.error",
    ]  # no completion, no auth


def test_every_operation_of_an_authenticated_channel_declares_its_security(
    doc: dict[str, Any],
) -> None:
    token = {"type": "httpApiKey", "name": "token", "in": "query"}
    assert doc["components"]["securitySchemes"] == {
        "queryToken": {**token, "description": "Token in the query string"},
        "queryToken.IsStaff": {
            **token,
            "description": "Token in the query string. Also requires the permission(s) "
            "IsStaff: a refused frame gets an error frame, no handler runs and the "
            "connection stays open.",
        },
    }
    for name, op in _kitchen_ops(doc).items():
        if name == "receive.stats":  # @ws_handler(permission_classes=[IsStaff])
            assert op["security"] == [{"$ref": "#/components/securitySchemes/queryToken.IsStaff"}]
            assert op["x-chanx-permissions"] == ["IsStaff"]
        else:
            assert op["security"] == [{"$ref": "#/components/securitySchemes/queryToken"}]
            assert "x-chanx-permissions" not in op
    assert "security" not in _op(doc, "PlainConsumer.receive.ping")


def test_the_auth_refresh_frame_is_documented_on_authenticated_channels(
    doc: dict[str, Any],
) -> None:
    op = _kitchen_ops(doc)["receive.auth_refresh"]
    assert _names(op["messages"]) == ["AuthRefreshMessage"]
    assert _names(op["reply"]["messages"]) == ["AuthenticationMessage"]
    assert "4440" in op["description"]
    refresh = doc["components"]["schemas"]["AuthRefreshPayload"]
    assert set(refresh["properties"]) == {"query", "headers", "cookies"}
    assert refresh["additionalProperties"] is False
    assert not any(k.startswith("PlainConsumer.receive.auth_refresh") for k in doc["operations"])


def test_channel_decorator_and_class_defaults(doc: dict[str, Any]) -> None:
    chan = doc["channels"]["kitchen"]
    assert chan["address"] == "/ws/kitchen/{room}"
    assert chan["title"] == "kitchen"
    assert chan["description"] == "Every mapping row in one consumer"
    assert chan["tags"] == [{"name": "chat"}, {"name": "demo"}]
    plain = doc["channels"]["PlainConsumer"]
    assert (
        plain["description"] == "A consumer without @channel: name and description from the class."
    )
    assert "parameters" not in plain


def test_every_address_parameter_is_declared(doc: dict[str, Any]) -> None:
    camel = doc["channels"]["CamelConsumer"]
    assert camel["address"] == "/ws/camel/{room}/{user_id}"  # mount + converter stripped
    assert set(camel["parameters"]) == {"room", "user_id"}
    assert "(int)" in camel["parameters"]["user_id"]["description"]
    assert set(doc["channels"]["kitchen"]["parameters"]) == {"room"}


def test_camelize_consumers_are_documented_in_camel_case(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    assert set(schemas["ChatPayloadCamel"]["properties"]) == {"messageText", "replyTo"}
    assert set(schemas["ChatPayload"]["properties"]) == {"message_text", "reply_to"}
    op = _op(doc, "CamelConsumer.receive.chat")
    assert _names(op["messages"]) == ["ChatMessageCamel"]
    assert _names(op["reply"]["messages"]) == ["ChatNotificationCamel"]


def test_payload_schemas_are_hoisted_and_refs_rewritten(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    text = json.dumps(doc)
    assert "$defs" not in text
    assert "#/$defs" not in text
    assert schemas["ChatMessage"]["properties"]["payload"] == {
        "$ref": "#/components/schemas/ChatPayload"
    }
    message = doc["components"]["messages"]["ChatMessage"]
    assert message["payload"] == {
        "allOf": [
            {"$ref": "#/components/schemas/ChatMessage"},
            {"$ref": "#/components/schemas/CorrelationRef"},
        ]
    }
    assert message["name"] == "chat"
    assert message["summary"] == "A chat line sent by a client."


def test_name_clashes_are_resolved_by_qualified_names(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    assert "Payload" not in schemas  # two different models are called Payload
    assert set(schemas["Other__Payload"]["properties"]) == {"label"}
    assert set(schemas["asyncapi_kitchen__Payload"]["properties"]) == {"room_count"}


def test_tuples_use_the_draft_07_form(doc: dict[str, Any]) -> None:
    payload = doc["components"]["schemas"]["ExtraInfo"]["properties"]["payload"]
    assert "prefixItems" not in payload
    assert payload["items"] == [{"type": "string"}, {"type": "integer"}]


def test_only_routed_consumers_appear() -> None:
    text = to_json(generate(kitchen.routes))
    assert "UnroutedConsumer" not in text
    assert "Never routed" not in text
    one = generate([("/only", kitchen.PlainConsumer)]).to_dict()
    assert list(one["channels"]) == ["PlainConsumer"]


def test_examples_are_valid_messages(doc: dict[str, Any]) -> None:
    """Each message's example payload validates against the model it documents."""
    models: dict[str, Any] = {
        "ChatMessage": kitchen.ChatMessage,
        "ChatMessageCamel": camel_model(kitchen.ChatMessage),
        "StatsRequest": kitchen.StatsRequest,
        "ExtraInfo": kitchen.ExtraInfo,
        "JobStatus": kitchen.JobStatus,
        "UserJoined": kitchen.UserJoined,
    }
    for name, model in models.items():
        example = doc["components"]["messages"][name]["examples"][0]["payload"]
        TypeAdapter(model).validate_python(example)


def test_info_and_servers_are_configurable() -> None:
    doc = generate(
        kitchen.routes,
        title="Kitchen",
        version="2.1.0",
        description="All of it",
        servers={"prod": {"host": "chat.example.com", "protocol": "wss"}},
        server_url="ws://127.0.0.1:8000",  # `servers` replaces the generated entry
    ).to_dict()
    assert doc["info"] == {"title": "Kitchen", "version": "2.1.0", "description": "All of it"}
    assert doc["servers"] == {"prod": {"host": "chat.example.com", "protocol": "wss"}}


@pytest.mark.parametrize(
    ("url", "protocol", "servers"),
    [
        ("127.0.0.1:8000", "ws", {"development": {"host": "127.0.0.1:8000", "protocol": "ws"}}),
        (
            "chat.example.com",
            "wss",
            {"production": {"host": "chat.example.com", "protocol": "wss"}},
        ),
        (
            "wss://chat.example.com/base/",
            "ws",
            {"production": {"host": "chat.example.com", "protocol": "wss", "pathname": "/base"}},
        ),
        ("", "ws", {"development": {"host": "localhost", "protocol": "ws"}}),
    ],
)
def test_the_generated_server_is_named_by_its_host(
    url: str, protocol: str, servers: dict[str, Any]
) -> None:
    doc = generate(kitchen.routes, server_url=url, server_protocol=protocol).to_dict()
    assert doc["servers"] == servers


def test_a_bad_server_is_refused() -> None:
    with pytest.raises(ValidationError, match="protocol"):
        generate(kitchen.routes, servers={"x": {"host": "h"}})


def test_output_is_deterministic() -> None:
    first = to_json(generate(kitchen.app))
    assert first == to_json(generate(kitchen.app))
    assert to_json(generate(kitchen.routes)) == to_json(generate(kitchen.routes))


def test_frames_and_their_answers_carry_the_client_ref(doc: dict[str, Any]) -> None:
    assert doc["components"]["correlationIds"]["ref"]["location"] == "$message.payload#/ref"
    messages = doc["components"]["messages"]
    ref = {"$ref": "#/components/correlationIds/ref"}
    ref_schema = {"$ref": "#/components/schemas/CorrelationRef"}
    answers = ("PingMessage", "PongMessage", "ErrorMessage", "CompleteMessage")
    # an authentication frame answers an auth_refresh frame (with its ref)
    for name in (*answers, "AuthRefreshMessage", "AuthenticationMessage"):
        assert messages[name]["correlationId"] == ref, name
        assert ref_schema in messages[name]["payload"]["allOf"], name
    # broadcasts, event outputs, pushed frames: never an answer to a frame
    for name in ("ChatNotification", "JobStatus", "UserJoined"):
        assert "correlationId" not in messages[name], name
        assert "allOf" not in messages[name]["payload"], name
    ref_prop = doc["components"]["schemas"]["CorrelationRef"]["properties"]["ref"]
    assert ref_prop["anyOf"] == [{"type": "string", "maxLength": 128}, {"type": "integer"}]


@pytest.mark.parametrize(
    ("declared", "error"),
    [
        ([("token", {})], "must map names to security schemes"),
        ({"token": {"type": "httpApiKey", "in": "query"}}, r"\['token'\] is not a security scheme"),
    ],
)
def test_malformed_security_declarations_name_the_class(declared: Any, error: str) -> None:
    class BadAuthenticator(kitchen.TokenAuthenticator):
        security_schemes = declared

    class Guarded(kitchen.PlainConsumer):
        authenticator_class = BadAuthenticator

    with pytest.raises(ValueError, match=r"BadAuthenticator\.security_schemes.*" + error):
        generate([("/ws", Guarded)])


def test_conflicting_schemes_of_two_authenticators_are_refused() -> None:
    class Other(kitchen.TokenAuthenticator):
        security_schemes = {"queryToken": {"type": "http", "scheme": "bearer"}}

    class Guarded(kitchen.PlainConsumer):
        authenticator_class = Other

    with pytest.raises(ValueError, match="different schemes 'queryToken'"):
        generate([*kitchen.routes, ("/ws/guarded", Guarded)])


def test_models_camel_case_leaves_alone_are_documented_once() -> None:
    class CamelPing(kitchen.PlainConsumer):
        camelize = True
        send_completion = True

    class SnakePing(kitchen.PlainConsumer):
        send_completion = True

    doc = generate([("/a", CamelPing), ("/b", SnakePing), ("/c", kitchen.CamelConsumer)]).to_dict()
    schemas = doc["components"]["schemas"]
    assert {"PingMessage", "PongMessage", "CompleteMessage"} <= set(schemas)
    assert not {"PingMessageCamel", "PongMessageCamel", "CompleteMessageCamel"} & set(schemas)
    assert "ChatPayload" in schemas  # the camelCase twin is documented alone: plain name
    assert set(schemas["ChatPayload"]["properties"]) == {"messageText", "replyTo"}
