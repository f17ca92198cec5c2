"""The document tells the truth: live consumers behave as their documents say.

For every ``receive`` operation, the example of its message is sent to the running consumer;
the frames that come back (until the completion frame) must be the operation's documented
reply messages, with the documented properties (camelCase included), and echo the ``ref``.
For every ``send`` operation, an event makes the consumer send the documented message. A
message documented with the ``ref`` correlation id carries the client's ``ref`` on the wire; one
documented without it (a broadcast) never does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, cast

import pytest
from pydantic import BaseModel

from chanx.asyncapi import generate
from chanx.core.consumer import ChanxConsumer
from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.core.layers import InMemoryChannelLayer
from chanx.core.testing import WebsocketHarness
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

if TYPE_CHECKING:
    from chanx.core.types import ASGIApp


class TicketPayload(BaseModel):
    ticket_id: int
    seat_row: str = "A"


class BookTicket(BaseMessage):
    action: Literal["book_ticket"] = "book_ticket"
    payload: TicketPayload


class TicketBooked(BaseMessage):
    action: Literal["ticket_booked"] = "ticket_booked"
    payload: TicketPayload


class SoldOut(BaseMessage):
    action: Literal["sold_out"] = "sold_out"
    payload: None = None


class Audit(BaseMessage):
    action: Literal["audit"] = "audit"
    payload: str


@channel(name="box_office")
class BoxOffice(ChanxConsumer[Any]):
    camelize = True
    send_completion = True
    channel_layer_alias = None

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler
    async def handle_book(self, message: BookTicket) -> TicketBooked | SoldOut:
        if message.payload.ticket_id > 100:
            return SoldOut()
        return TicketBooked(payload=message.payload)

    @ws_handler
    async def handle_audit(self, message: Audit) -> None:
        return None


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return generate([("/ws/box", BoxOffice)]).to_dict()


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _message(doc: dict[str, Any], ref: dict[str, str]) -> dict[str, Any]:
    message = _resolve(doc, ref["$ref"])
    if "$ref" in message:
        message = _resolve(doc, message["$ref"])
    result: dict[str, Any] = message
    return result


def _payload(doc: dict[str, Any], message: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """The model schema of a message's payload and every property the frame may carry."""
    payload = message["payload"]
    parts = payload.get("allOf", [payload])
    schemas = [_resolve(doc, part["$ref"]) for part in parts]
    allowed = {name for schema in schemas for name in schema.get("properties", {})}
    assert ("ref" in allowed) == ("correlationId" in message)  # ref documented where echoed
    return schemas[0], allowed


async def test_every_receive_operation_answers_as_documented(doc: dict[str, Any]) -> None:
    receive_ops = {k: v for k, v in doc["operations"].items() if v["action"] == "receive"}
    assert len(receive_ops) == 3
    async with WebsocketHarness(BoxOffice.as_asgi(), "/ws/box") as ws:
        for n, (op_id, op) in enumerate(receive_ops.items()):
            (incoming,) = [_message(doc, ref) for ref in op["messages"]]
            frame = {**incoming["examples"][0]["payload"], "ref": n}
            await ws.send_json(frame)
            answers = await ws.receive_all_json(stop_action="complete")
            assert all(a["ref"] == n for a in answers), op_id
            replies = answers[:-1]
            documented = [_message(doc, r) for r in op.get("reply", {}).get("messages", [])]
            names = {m["name"] for m in documented}
            if not documented:
                assert replies == [], op_id
                continue
            assert len(replies) == 1, op_id
            assert replies[0]["action"] in names, op_id
            (reply_doc,) = [m for m in documented if m["name"] == replies[0]["action"]]
            schema, allowed = _payload(doc, reply_doc)
            assert set(replies[0]) <= allowed, op_id
            assert "correlationId" in reply_doc, op_id
            if isinstance(replies[0].get("payload"), dict):
                inner = _resolve(doc, schema["properties"]["payload"]["$ref"])
                assert set(replies[0]["payload"]) <= set(inner["properties"]), op_id
                assert "ticketId" in replies[0]["payload"]  # camelCase as documented


async def test_errors_look_as_documented(doc: dict[str, Any]) -> None:
    (error_op,) = [v for k, v in doc["operations"].items() if k.endswith(".send.error")]
    error_doc = _message(doc, error_op["messages"][0])
    schema, allowed = _payload(doc, error_doc)
    shapes = schema["properties"]["payload"]["anyOf"]  # entries, or {"detail": ...}
    (entries,) = [s for s in shapes if s.get("type") == "array"]
    entry = _resolve(doc, entries["items"]["$ref"])
    async with WebsocketHarness(BoxOffice.as_asgi(), "/ws/box") as ws:
        await ws.send_json({"action": "nope", "ref": "r1"})
        frame = await ws.receive_json()
    assert frame["action"] == error_doc["name"] == "error"
    assert frame["ref"] == "r1"
    assert set(frame) <= allowed
    for item in frame["payload"]:
        assert set(entry["required"]) <= set(item) <= set(entry["properties"])


@pytest.mark.asgi
async def test_the_kitchen_app_authentication_frame_is_as_documented() -> None:
    import asyncapi_kitchen as kitchen

    doc = generate(kitchen.app).to_dict()
    app = cast("ASGIApp", kitchen.app)
    (auth_op,) = [v for k, v in doc["operations"].items() if k == "kitchen.send.authentication"]
    auth_doc = _message(doc, auth_op["messages"][0])
    # it answers auth_refresh frames too, so its payload adds the correlation ref
    schema = _resolve(doc, auth_doc["payload"]["allOf"][0]["$ref"])
    payload_schema = _resolve(doc, schema["properties"]["payload"]["$ref"])
    scheme = doc["components"]["securitySchemes"]["queryToken"]

    async with WebsocketHarness(app, "/ws/kitchen/r1") as ws:  # no token
        frame = await ws.receive_json()
        await ws.assert_closed(4401)
    assert frame["action"] == auth_doc["name"] == "authentication"
    assert (
        set(payload_schema["required"])
        <= set(frame["payload"])
        <= set(payload_schema["properties"])
    )

    query = f"{scheme['name']}=secret"  # the documented credential, where it is documented
    assert scheme["in"] == "query"
    async with WebsocketHarness(app, "/ws/kitchen/r1", query_string=query) as ws:
        await ws.send_json({"action": "ping"})
        assert [f["action"] for f in await ws.receive_all_json(stop_action="complete")] == [
            "pong",
            "complete",
        ]


class Restocked(BaseMessage):
    """Internal: never sent to clients as such."""

    action: Literal["restocked"] = "restocked"
    payload: int


class SeatsAvailable(BaseMessage):
    action: Literal["seats_available"] = "seats_available"
    payload: TicketPayload


class Closing(BaseMessage):
    action: Literal["closing"] = "closing"
    payload: str


_LAYER = InMemoryChannelLayer()


@channel(name="box_events")
class BoxEvents(ChanxConsumer[Any]):
    camelize = True
    groups = ["box"]
    passthrough_events = [Closing]

    @classmethod
    def get_channel_layer(cls) -> Any:
        return _LAYER

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @event_handler
    async def handle_restocked(self, event: Restocked) -> SeatsAvailable:
        return SeatsAvailable(payload=TicketPayload(ticket_id=event.payload))

    @ws_handler(output_type=SeatsAvailable)
    async def handle_book(self, message: BookTicket) -> None:
        await self.broadcast_message(SeatsAvailable(payload=message.payload))


async def test_every_send_operation_delivers_its_documented_message() -> None:
    doc = generate([("/ws/events", BoxEvents)]).to_dict()
    sends = {k: v for k, v in doc["operations"].items() if v["action"] == "send"}
    assert set(sends) == {
        "box_events.send.seats_available",
        "box_events.send.book_ticket",  # the broadcast of handle_book
        "box_events.send.closing",
        "box_events.send.error",
    }
    events = {
        "box_events.send.seats_available": Restocked(payload=7),
        "box_events.send.closing": Closing(payload="bye"),
    }
    async with WebsocketHarness(BoxEvents.as_asgi(), "/ws/events") as ws:
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "pong"  # connected: groups joined
        for op_id, event in events.items():
            await BoxEvents.broadcast_event(event)
            frame = await ws.receive_json()
            (documented,) = [_message(doc, ref) for ref in sends[op_id]["messages"]]
            assert frame["action"] == documented["name"], op_id
            _schema, allowed = _payload(doc, documented)
            assert set(frame) <= allowed, op_id
    assert "Restocked" not in str(doc)
    assert frame == {"action": "closing", "payload": "bye"}


async def test_a_broadcast_arrives_as_documented_without_the_ref() -> None:
    doc = generate([("/ws/events", BoxEvents)]).to_dict()
    receive = doc["operations"]["box_events.receive.book_ticket"]
    assert "reply" not in receive  # not an answer to the sender's frame
    (documented,) = [
        _message(doc, ref) for ref in doc["operations"]["box_events.send.book_ticket"]["messages"]
    ]
    _schema, allowed = _payload(doc, documented)
    assert "ref" not in allowed
    frame_in = {"action": "book_ticket", "payload": {"ticketId": 3}, "ref": "b1"}
    async with WebsocketHarness(BoxEvents.as_asgi(), "/ws/events") as ws:
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "pong"  # connected: groups joined
        await ws.send_json(frame_in)
        frame = await ws.receive_json()
    assert frame["action"] == documented["name"] == "seats_available"
    assert "ref" not in frame
    assert set(frame) <= allowed


class BoxEventsDone(BoxEvents):
    send_completion = True


async def test_completion_frames_of_broadcasts_and_events_are_documented() -> None:
    doc = generate([("/ws/done", BoxEventsDone)]).to_dict()
    documented = {
        _message(doc, ref)["name"]: _message(doc, ref)
        for op in doc["operations"].values()
        if op["action"] == "send"
        for ref in op["messages"]
    }
    async with WebsocketHarness(BoxEventsDone.as_asgi(), "/ws/done") as ws:
        await ws.send_json({"action": "ping", "ref": 5})
        assert [f["action"] for f in await ws.receive_all_json(stop_action="complete")] == [
            "pong",
            "complete",
        ]
        await ws.send_json({"action": "book_ticket", "payload": {"ticketId": 1}, "ref": 6})
        frames = [await ws.receive_json() for _ in range(3)]
        await BoxEventsDone.broadcast_event(Restocked(payload=2))
        frames += [await ws.receive_json() for _ in range(2)]
    by_action = {f["action"]: f for f in frames}
    assert set(by_action) == {"seats_available", "group_complete", "complete", "event_complete"}
    for action, frame in by_action.items():
        message = documented[action]
        _schema, allowed = _payload(doc, message)
        assert set(frame) <= allowed, action
        assert ("ref" in frame) == ("correlationId" in message), action
