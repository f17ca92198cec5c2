"""Topics in AsyncAPI: each mounted topic is its own channel with ``x-topic`` and the envelope.

The document is checked by the official ``@asyncapi/parser``, by ``validate_document``, and
against live frames of the same consumer: what a subscriber really receives has exactly the
keys its documented schemas (message + topic envelope) declare.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import pytest
from asyncapi_tools import ParseFn

from chanx.asyncapi import generate, validate_document
from chanx.asyncapi.type_defs import AsyncAPIDocument, TopicObject
from chanx.core import InMemoryChannelLayer
from chanx.core.consumer import ChanxConsumer
from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.core.envelope import Envelope
from chanx.core.history import InMemoryHistoryStore
from chanx.core.testing import WebsocketHarness
from chanx.core.topic import Topic
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from chanx.routing.discovery import RouteInfo

pytestmark = pytest.mark.timeout(600)


class Said(BaseMessage):
    """A line said in a room."""

    action: Literal["said"] = "said"
    payload: str


class Say(BaseMessage):
    action: Literal["say"] = "say"
    payload: str


class Cancel(BaseMessage):
    action: Literal["cancel"] = "cancel"
    payload: None = None


class Cancelled(BaseMessage):
    action: Literal["cancelled"] = "cancelled"
    payload: str


class RoomTopic(Topic[Said]):
    """A room whose subscribers recover what they missed."""

    pattern = "room:{room_id}"
    recovery = True
    history = InMemoryHistoryStore()

    @ws_handler
    async def handle_say(self, message: Say) -> Said:
        return Said(payload=message.payload)

    @event_handler
    async def on_said(self, event: Said) -> Said:
        return event


@channel(name="job_progress", description="Progress of one job.")
class JobTopic(Topic[Said]):
    pattern = "job:{owner}:{job_id}"

    @ws_handler
    async def handle_cancel(self, message: Cancel) -> Cancelled:
        return Cancelled(payload=self.params["job_id"])


_LAYER = InMemoryChannelLayer()


class MainConsumer(ChanxConsumer[Any]):
    """Rooms and jobs on one socket; answers ping."""

    topics = [RoomTopic, JobTopic]

    @classmethod
    def get_channel_layer(cls) -> InMemoryChannelLayer:
        return _LAYER

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


class Quiet(ChanxConsumer[Any]):
    """Only topics: no channel of its own."""

    channel_layer_alias = None
    topics = [RoomTopic]


def _doc(*routes: tuple[str, type[Any]]) -> dict[str, Any]:
    return generate(list(routes)).to_dict()


def test_each_topic_is_a_channel_at_its_hosts_address() -> None:
    doc = _doc(("/ws/main", MainConsumer))
    channels = doc["channels"]
    assert list(channels) == ["MainConsumer", "main_room_topic", "job_progress"]
    room = channels["main_room_topic"]
    assert room["address"] == "/ws/main"
    assert room["title"] == "main_room_topic"
    assert room["description"] == "A room whose subscribers recover what they missed."
    assert room["x-topic"] == {"name": "room_topic", "pattern": "room:{room_id}",
                               "parameters": ["room_id"]}  # fmt: skip
    job = channels["job_progress"]
    assert job["x-topic"]["parameters"] == ["owner", "job_id"]
    assert job["description"] == "Progress of one job."
    assert "x-topic" not in channels["MainConsumer"]
    # the host's channel has its own frames only
    assert "SubscribeMessage" not in channels["MainConsumer"]["messages"]


def test_a_host_without_handlers_of_its_own_has_no_channel() -> None:
    doc = _doc(("/ws/quiet", Quiet))
    assert list(doc["channels"]) == ["quiet_room_topic"]


def test_a_dedicated_route_is_named_after_the_topic() -> None:
    doc = _doc(("/ws/rooms/{room_id}", RoomTopic.as_consumer(ChanxConsumer)))
    (name,) = doc["channels"]
    assert name == "room_topic"
    ops = {k: v for k, v in doc["operations"].items() if v["action"] == "send"}
    assert "room_topic.send.subscribed" in ops  # sent unprompted once connected


def test_operations_of_a_topic_channel() -> None:
    doc = _doc(("/ws/main", MainConsumer))
    ops = {k: v for k, v in doc["operations"].items() if k.startswith("main_room_topic.")}
    subscribe = ops["main_room_topic.receive.subscribe"]
    assert subscribe["messages"] == [
        {"$ref": "#/channels/main_room_topic/messages/SubscribeMessage"}
    ]
    assert subscribe["reply"]["messages"] == [
        {"$ref": "#/channels/main_room_topic/messages/SubscribedMessage"},
        {"$ref": "#/channels/main_room_topic/messages/TopicErrorMessage"},
    ]
    unsubscribe = ops["main_room_topic.receive.unsubscribe"]
    assert unsubscribe["reply"]["messages"] == [
        {"$ref": "#/channels/main_room_topic/messages/UnsubscribedMessage"}
    ]
    say = ops["main_room_topic.receive.say"]
    assert say["reply"]["messages"] == [{"$ref": "#/channels/main_room_topic/messages/Said"}]
    sends = {k.split(".", 2)[2]: v for k, v in ops.items() if v["action"] == "send"}
    assert sends["said"]["messages"] == [{"$ref": "#/channels/main_room_topic/messages/Said"}]
    assert sends["error"]["messages"] == [
        {"$ref": "#/channels/main_room_topic/messages/TopicErrorMessage"}
    ]
    assert sends["error_2"]["messages"] == [
        {"$ref": "#/channels/main_room_topic/messages/ErrorMessage_topic"}
    ]
    # recovery: the server may say unprompted that the stream continues elsewhere
    assert sends["subscribed"]["messages"] == [
        {"$ref": "#/channels/main_room_topic/messages/SubscribedMessage"}
    ]
    job_ops = [k for k in doc["operations"] if k.startswith("job_progress.")]
    assert "job_progress.receive.cancel" in job_ops
    assert "job_progress.send.subscribed" not in job_ops  # no recovery there


def test_recovery_fields_and_the_envelope_are_in_the_schemas() -> None:
    doc = _doc(("/ws/main", MainConsumer))
    schemas = doc["components"]["schemas"]
    assert set(schemas["SubscribePayload"]["properties"]) == {"seq", "epoch"}
    assert set(schemas["SubscribedPayload"]["properties"]) == {"recovered", "epoch", "seq"}
    envelope = schemas["TopicEnvelope"]
    assert set(envelope["properties"]) == {"version", "topic", "ref", "seq"}
    assert envelope["required"] == ["version", "topic"]
    messages = doc["components"]["messages"]
    # a message only topics send is composed with the envelope; a shared one exists twice
    assert messages["Said"]["payload"] == {"allOf": [
        {"$ref": "#/components/schemas/Said"}, {"$ref": "#/components/schemas/TopicEnvelope"},
    ]}  # fmt: skip
    assert "correlationId" in messages["SubscribedMessage"]
    assert messages["ErrorMessage"]["payload"]["allOf"][1] == {
        "$ref": "#/components/schemas/CorrelationRef"
    }
    assert messages["ErrorMessage_topic"]["payload"]["allOf"][1] == {
        "$ref": "#/components/schemas/TopicEnvelope"
    }


def _string_limits(prop: dict[str, Any]) -> list[int | None]:
    return [s.get("maxLength") for s in prop.get("anyOf", [prop]) if s.get("type") == "string"]


def test_the_documented_envelope_limits_are_the_ones_the_server_enforces() -> None:
    doc = _doc(("/ws/main", MainConsumer))
    schemas = doc["components"]["schemas"]
    server = Envelope.model_json_schema()["properties"]  # what a client frame is checked by
    for documented in (schemas["TopicEnvelope"], schemas["CorrelationRef"]):
        props = documented["properties"]
        assert _string_limits(props["ref"]) == _string_limits(server["ref"])
        assert props["version"]["const"] == server["version"]["default"]
    topic = schemas["TopicEnvelope"]["properties"]["topic"]
    assert _string_limits(topic) == _string_limits(server["topic"])


def test_the_document_is_valid_for_the_official_parser(
    tmp_path: Path, asyncapi_parser: ParseFn
) -> None:
    doc = _doc(("/ws/main", MainConsumer), ("/ws/rooms/{room_id}", RoomTopic.as_consumer(
        ChanxConsumer)))  # fmt: skip
    assert validate_document(doc) == []
    typed = AsyncAPIDocument.model_validate(doc)
    channel_obj = typed.get_channel("main_room_topic")
    assert channel_obj is not None
    assert channel_obj.topic == TopicObject(
        name="room_topic", pattern="room:{room_id}", parameters=["room_id"]
    )
    path = tmp_path / "topics.json"
    path.write_text(json.dumps(doc))
    (verdict,) = asyncapi_parser(path)
    assert verdict["errors"] == []
    assert verdict["parsed"] is True


def test_route_info_of_a_mounted_topic_names_topic_and_host() -> None:
    from chanx.asyncapi import AsyncAPIGenerator

    route = RouteInfo("/ws/main", None, "ws://localhost:8000", MainConsumer)
    topic_route = RouteInfo("/ws/main", None, "ws://x", MainConsumer, topic=RoomTopic,
                            host=MainConsumer)  # fmt: skip
    only = AsyncAPIGenerator([topic_route]).generate()
    assert list(only["channels"]) == ["main_room_topic"]
    both = AsyncAPIGenerator([route]).generate()
    assert "main_room_topic" in both["channels"]


async def test_live_topic_frames_have_the_documented_keys() -> None:
    doc = _doc(("/ws/main", MainConsumer))
    schemas = doc["components"]["schemas"]
    envelope = set(schemas["TopicEnvelope"]["properties"])

    def documented(schema: str) -> set[str]:
        return set(schemas[schema]["properties"]) | envelope

    async with WebsocketHarness(MainConsumer.as_asgi(), "/ws/main") as ws:
        reply = await ws.subscribe("room:7", ref="r1")
        assert reply["action"] == "subscribed"
        assert set(reply) <= documented("SubscribedMessage")
        assert set(reply["payload"]) == set(schemas["SubscribedPayload"]["properties"])
        await ws.send_json({"action": "say", "payload": "hi", "topic": "room:7", "ref": 2})
        said = await ws.receive_json()
        assert said["action"] == "said"
        assert set(said) <= documented("Said")
        refused = await ws.subscribe("nowhere:1", ref="r3")
        assert refused["action"] == "error"
        assert set(refused) <= documented("TopicErrorMessage")
        assert set(refused["payload"]) == set(schemas["TopicError"]["properties"])
