"""The message vocabulary every communicator shares (WebsocketCommunicatorMixin).

Consumers check the helpers against real chanx frames; a scripted ASGI app sends documented
frames the server may not produce yet (group and event completions, topic replies), so the
helpers' reading rules are tested on their own.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from chanx.constants import (
    CHANX_ACTIONS,
    CLOSE_UNAUTHENTICATED,
    COMPLETE_ACTIONS,
    ENVELOPE_FIELDS,
    EVENT_ACTION_COMPLETE,
    GROUP_ACTION_COMPLETE,
    MESSAGE_ACTION_COMPLETE,
)
from chanx.core import ChanxConsumer, event_handler, ws_handler
from chanx.core.testing import WebsocketHarness
from chanx.core.testing.outgoing import outgoing_adapter
from chanx.core.types import ChannelLayer
from chanx.messages import ErrorMessage, PingMessage, PongMessage
from chanx.messages.base import BaseMessage


class NotePayload(BaseModel):
    note_text: str


class NoteMessage(BaseMessage):
    action: Literal["note"] = "note"
    payload: NotePayload


class NoteSaved(BaseMessage):
    action: Literal["note_saved"] = "note_saved"
    payload: NotePayload


class Tick(BaseMessage):
    action: Literal["tick"] = "tick"
    payload: int


class Tock(BaseMessage):
    action: Literal["tock"] = "tock"
    payload: int


class Notes(ChanxConsumer):
    send_completion = True
    layer: ClassVar[ChannelLayer | None] = None

    @classmethod
    def get_channel_layer(cls) -> ChannelLayer | None:
        return cls.layer

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler
    async def handle_note(self, message: NoteMessage) -> NoteSaved | Tock:
        return NoteSaved(payload=message.payload)

    @event_handler
    async def on_tick(self, event: Tick) -> Tock:
        return Tock(payload=event.payload)


class CamelNotes(Notes):
    camelize = True


async def scripted(scope: Any, receive: Any, send: Any) -> None:
    """Accepts, then answers each text frame: ``{"send": [frames], "close": code}`` is obeyed,
    anything else is echoed back inside ``{"action": "echo", "payload": <frame>}``."""
    await receive()
    await send({"type": "websocket.accept"})
    while (message := await receive())["type"] == "websocket.receive":
        frame = json.loads(message["text"])
        if isinstance(frame, dict) and "send" in frame:
            for out in frame["send"]:
                await send({"type": "websocket.send", "text": json.dumps(out)})
            if "close" in frame:
                await send({"type": "websocket.close", "code": frame["close"]})
        else:
            echo = {"action": "echo", "payload": frame}
            await send({"type": "websocket.send", "text": json.dumps(echo)})


def script(*frames: dict[str, Any], close: int | None = None) -> dict[str, Any]:
    return {"send": list(frames), **({"close": close} if close is not None else {})}


NOTE: dict[str, Any] = {"action": "note_saved", "payload": {"note_text": "x"}}


def test_constants_have_their_documented_values() -> None:
    assert (MESSAGE_ACTION_COMPLETE, GROUP_ACTION_COMPLETE, EVENT_ACTION_COMPLETE) == (
        "complete",
        "group_complete",
        "event_complete",
    )
    assert {"complete", "group_complete", "event_complete"} == COMPLETE_ACTIONS
    assert COMPLETE_ACTIONS | {"error"} == CHANX_ACTIONS
    assert {"version", "topic", "ref", "seq"} == ENVELOPE_FIELDS
    assert CLOSE_UNAUTHENTICATED == 4401


async def test_send_message_follows_the_consumers_camelize() -> None:
    note = NoteMessage(payload=NotePayload(note_text="hi"))
    async with WebsocketHarness(scripted, consumer=CamelNotes) as ws:
        await ws.send_message(note)
        assert (await ws.receive_json_from())["payload"] == {
            "action": "note",
            "payload": {"noteText": "hi"},
        }
        await ws.send_message(note, by_alias=False)
        assert (await ws.receive_json_from())["payload"]["payload"] == {"note_text": "hi"}
    async with WebsocketHarness(scripted, consumer=Notes) as ws:
        await ws.send_message(note)
        assert (await ws.receive_json_from())["payload"]["payload"] == {"note_text": "hi"}
        await ws.send_message(note, by_alias=True)  # camelCase on request
        assert (await ws.receive_json_from())["payload"]["payload"] == {"noteText": "hi"}


async def test_send_message_adds_topic_and_ref_envelope_keys() -> None:
    async with WebsocketHarness(scripted) as ws:
        await ws.send_message(PingMessage(), topic="room:1", ref="r1")
        assert (await ws.receive_json_from())["payload"] == {
            "action": "ping",
            "payload": None,
            "version": 1,
            "topic": "room:1",
            "ref": "r1",
        }
        await ws.send_message(PingMessage(), ref="r2")
        assert (await ws.receive_json_from())["payload"] == {
            "action": "ping",
            "payload": None,
            "ref": "r2",
        }


async def test_camelizing_consumer_round_trip_through_a_real_consumer() -> None:
    async with WebsocketHarness(CamelNotes) as ws:
        await ws.send_message(NoteMessage(payload=NotePayload(note_text="hi")))
        (saved,) = await ws.receive_all_messages()
        assert isinstance(saved, NoteSaved)  # the declared class, read from camelCase
        assert saved.payload.note_text == "hi"


async def test_receive_all_messages_stops_at_complete_and_leaves_completions_out() -> None:
    async with WebsocketHarness(Notes) as ws:
        await ws.send_message(PingMessage())
        await ws.send_json_to({"action": "note", "payload": {}})  # invalid: error + complete
        assert await ws.receive_all_messages() == [PongMessage()]
        (error,) = await ws.receive_all_messages()
        assert isinstance(error, ErrorMessage)
        assert await ws.receive_nothing()


async def test_receive_all_messages_custom_stop_action_is_included() -> None:
    async with WebsocketHarness(scripted, consumer=Notes) as ws:
        await ws.send_json_to(
            script(
                {"action": "complete"},
                {"action": "group_complete"},
                NOTE,
                {"action": "tock", "payload": 1},
                {"action": "event_complete"},
                {"action": "pong", "payload": None, "ref": "7", "version": 1},
            )
        )
        found = await ws.receive_all_messages(stop_action="tock")
        assert [type(m) for m in found] == [NoteSaved, Tock]
        assert await ws.receive_all_messages(stop_action="event_complete") == []
        assert await ws.receive_all_messages(stop_action="pong") == [PongMessage()]


async def test_receive_all_messages_returns_what_it_has_when_time_runs_out() -> None:
    async with WebsocketHarness(scripted, consumer=Notes) as ws:
        await ws.send_json_to(script(NOTE))
        found = await ws.receive_all_messages(timeout=0.2)  # no "complete" ever comes
        assert found == [NoteSaved(payload=NotePayload(note_text="x"))]


async def test_receive_all_messages_refuses_frames_the_consumer_does_not_declare() -> None:
    async with WebsocketHarness(scripted, consumer=Notes) as ws:
        await ws.send_json_to(script({"action": "surprise", "payload": 1}, {"action": "complete"}))
        with pytest.raises(ValidationError, match="surprise"):
            await ws.receive_all_messages()
        await ws.send_json_to(script({"action": "authentication", "payload": {}}))
        with pytest.raises(ValidationError):
            await ws.receive_all_messages(timeout=0.2)
    async with WebsocketHarness(scripted) as ws:
        with pytest.raises(TypeError, match="needs the consumer class"):
            await ws.receive_all_messages()


async def test_receive_all_json_waits_the_whole_timeout_and_keeps_completions() -> None:
    async with WebsocketHarness(scripted) as ws:
        frames: list[dict[str, Any]] = [{"action": "complete"}, NOTE, {"action": "event_complete"}]
        await ws.send_json_to(script(*frames[:2]))
        await ws.send_json_to(script(frames[2]))  # after "complete": still collected
        assert await ws.receive_all_json(timeout=0.3) == frames
        await ws.send_json_to(script(NOTE, {"action": "complete"}, NOTE))
        assert await ws.receive_all_json(stop_action="complete") == [NOTE, {"action": "complete"}]
        assert await ws.receive_all_json(timeout=0.2) == [NOTE]


async def test_a_close_ends_collecting_and_counts_for_assert_closed() -> None:
    async with WebsocketHarness(scripted, consumer=Notes) as ws:
        await ws.send_json_to(script(NOTE, close=4409))
        assert len(await ws.receive_all_messages(timeout=5)) == 1
        assert await ws.assert_closed(4409) == 4409


async def test_assert_closed_wants_the_close_next() -> None:
    async with WebsocketHarness(scripted) as ws:
        await ws.send_json_to(script(NOTE, close=4001))
        with pytest.raises(AssertionError, match="expected the connection to close"):
            await ws.assert_closed()
        with pytest.raises(AssertionError, match="expected close code 4002, got 4001"):
            await ws.assert_closed(4002)
        assert await ws.assert_closed() == 4001


class ProgressTopic:
    """Stands in for a topic class: all the helper needs is its outgoing adapter."""

    outgoing_message_adapter: ClassVar[TypeAdapter[Any]] = TypeAdapter(NoteSaved)


async def test_subscribe_unsubscribe_and_topic_messages() -> None:
    async with WebsocketHarness(scripted, consumer=CamelNotes) as ws:
        reply = await ws.subscribe("run:7")
        assert reply == {
            "action": "echo",
            "payload": {"action": "subscribe", "version": 1, "topic": "run:7", "ref": "1"},
        }
        assert (await ws.unsubscribe("run:7", ref="u"))["payload"]["action"] == "unsubscribe"
        pushed = {"action": "note_saved", "payload": {"noteText": "x"}, "topic": "run:7", "seq": 4}
        await ws.send_json_to(script(pushed))
        message = await ws.receive_topic_message(ProgressTopic)
        assert message == NoteSaved(payload=NotePayload(note_text="x"))


async def test_outgoing_adapter_is_built_once_per_consumer() -> None:
    assert outgoing_adapter(Notes) is outgoing_adapter(Notes)
    assert outgoing_adapter(Notes) is not outgoing_adapter(CamelNotes)
    assert isinstance(outgoing_adapter(Notes).validate_python(NOTE), NoteSaved)
