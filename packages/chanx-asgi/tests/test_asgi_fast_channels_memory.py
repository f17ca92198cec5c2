"""fast-channels' own InMemoryChannelLayer, registered by the user, adapted in place."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

import pytest
from fast_channels.exceptions import ChannelFull
from fast_channels.layers import InMemoryChannelLayer as FastChannelsInMemoryLayer

from chanx.core.decorators import event_handler, ws_handler
from chanx.fast_channels.layers import get_layer, register_layer
from chanx.fast_channels.testing import WebsocketCommunicator, isolated_layer
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage

pytestmark = pytest.mark.asgi


class ShoutMessage(BaseMessage):
    action: Literal["shout"] = "shout"
    payload: str


class Room(AsyncJsonWebsocketConsumer):
    groups = ["room"]

    @ws_handler(output_type=ShoutMessage)
    async def handle_shout(self, message: ShoutMessage) -> None:
        await self.broadcast_message(message)


class Box:
    """The mailbox protocol (``deliver(message) -> bool``), recording what it got."""

    def __init__(self) -> None:
        self.delivered: list[dict[str, Any]] = []

    def deliver(self, message: dict[str, Any]) -> bool:
        self.delivered.append(message)
        return True


@pytest.fixture
def fc_layer() -> Iterator[Any]:
    with isolated_layer():
        layer = FastChannelsInMemoryLayer()
        register_layer("default", layer)
        yield layer


async def test_the_registered_object_is_adapted_and_still_fast_channels_layer(
    fc_layer: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, "chanx.layer"):
        found: Any = get_layer("default")
        assert found is fc_layer
    assert isinstance(fc_layer, FastChannelsInMemoryLayer)
    assert found.direct_delivery
    assert any("setup_layers()" in r.getMessage() for r in caplog.records)
    async with WebsocketCommunicator(Room) as a, WebsocketCommunicator(Room) as b:
        await a.send_json({"action": "shout", "payload": "hi"})
        for ws in (a, b):
            assert await ws.receive_json() == {"action": "shout", "payload": "hi"}
        # code holding the layer object itself reaches chanx consumers too
        text = '{"action":"shout","payload":"raw"}'
        await fc_layer.group_send("room", {"type": "chanx.broadcast", "text": text})
        for ws in (a, b):
            assert await ws.receive_json() == {"action": "shout", "payload": "raw"}
        assert not fc_layer.channels  # nothing piles up in fast-channels' queues


async def test_plain_channels_keep_queues_and_private_copies(fc_layer: Any) -> None:
    get_layer("default")  # adapts it
    async with WebsocketCommunicator(Room) as ws:
        plain = [await fc_layer.new_channel(), await fc_layer.new_channel()]
        for channel in plain:
            await fc_layer.group_add("room", channel)
        nested = {"type": "chanx.broadcast", "text": '{"action":"x"}', "extra": {"n": [1]}}
        await fc_layer.group_send("room", nested)
        first, second = [await fc_layer.receive(channel) for channel in plain]
        first["extra"]["n"].append(2)
        assert second["extra"] == {"n": [1]}
        assert nested["extra"] == {"n": [1]}
        assert await ws.receive_json() == {"action": "x"}


async def test_messages_queued_before_a_consumer_attached_are_delivered(fc_layer: Any) -> None:
    get_layer("default")
    channel = await fc_layer.new_channel()
    await fc_layer.send(channel, {"type": "chanx.broadcast", "text": '{"action":"early"}'})
    box = Box()
    fc_layer.attach(channel, box)
    await fc_layer.send(channel, {"type": "chanx.broadcast", "text": '{"action":"late"}'})
    assert [m["text"] for m in box.delivered] == ['{"action":"early"}', '{"action":"late"}']
    fc_layer.detach(channel)
    await fc_layer.send(channel, {"type": "after"})
    assert await asyncio.wait_for(fc_layer.receive(channel), 2) == {"type": "after"}


def test_subclasses_are_left_alone() -> None:
    class Custom(FastChannelsInMemoryLayer):
        pass

    with isolated_layer():
        layer: Any = Custom()
        register_layer("default", layer)
        found: Any = get_layer("default")
        assert found is layer
        assert type(layer) is Custom


async def test_chanx_envelopes_are_shared_other_messages_copied_per_chanx_consumer(
    fc_layer: Any,
) -> None:
    get_layer("default")
    boxes = {await fc_layer.new_channel(): Box() for _ in range(2)}
    for channel, box in boxes.items():
        await fc_layer.group_add("room", channel)
        fc_layer.attach(channel, box)
    # chanx's own envelopes are read-only to chanx: every consumer gets the one object
    envelope = {"type": "chanx.event", "key": "item", "event": '{"action":"item"}'}
    await fc_layer.group_send("room", envelope)
    # a Channels-style message may be changed by its handler: each gets its own copy
    plain = {"type": "room.note", "tags": ["a"]}
    await fc_layer.group_send("room", plain)
    first, second = boxes.values()
    assert first.delivered[0] is envelope
    assert second.delivered[0] is envelope
    first.delivered[1]["tags"].append("b")
    assert second.delivered[1] == {"type": "room.note", "tags": ["a"]}
    assert plain == {"type": "room.note", "tags": ["a"]}


async def test_a_message_sent_to_one_chanx_consumer_is_a_copy_of_its_own(fc_layer: Any) -> None:
    # as fast-channels' own send: what the sender does to its dict afterwards is not delivered
    get_layer("default")
    channel = await fc_layer.new_channel()
    box = Box()
    fc_layer.attach(channel, box)
    message: dict[str, Any] = {"type": "room.note", "tags": ["a"]}
    await fc_layer.send(channel, message)
    message["tags"].append("changed by the sender")
    assert box.delivered == [{"type": "room.note", "tags": ["a"]}]


class FullBox(Box):
    def deliver(self, message: dict[str, Any]) -> bool:
        return False


async def test_a_send_to_a_full_chanx_consumer_raises_channel_full(fc_layer: Any) -> None:
    get_layer("default")
    channel = await fc_layer.new_channel()
    fc_layer.attach(channel, FullBox())
    with pytest.raises(ChannelFull):  # as fast-channels' send to a full queue
        await fc_layer.send(channel, {"type": "room.note"})


async def test_an_invalid_group_name_is_refused_as_fast_channels_does(fc_layer: Any) -> None:
    get_layer("default")
    fc_layer.attach(await fc_layer.new_channel(), Box())
    with pytest.raises(TypeError, match="Group name"):
        await fc_layer.group_send("not a valid group!", {"type": "room.note"})


async def test_messages_that_expired_while_queued_are_not_delivered_on_attach() -> None:
    with isolated_layer():
        layer: Any = FastChannelsInMemoryLayer(expiry=1)
        register_layer("default", layer)
        get_layer("default")
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "room.note", "n": 1})
        await asyncio.sleep(1.1)  # past the expiry: the message is stale for certain
        await layer.send(channel, {"type": "room.note", "n": 2})
        box = Box()
        layer.attach(channel, box)
        assert box.delivered == [{"type": "room.note", "n": 2}]


class Ping(BaseMessage):
    action: Literal["ping_event"] = "ping_event"
    payload: str


class LoopRecorder(AsyncJsonWebsocketConsumer[Ping]):
    groups = ["recorders"]
    loops: ClassVar[list[asyncio.AbstractEventLoop]] = []

    @event_handler
    async def on_ping(self, event: Ping) -> ShoutMessage:
        self.loops.append(asyncio.get_running_loop())
        return ShoutMessage(payload=event.payload)


async def test_an_event_from_another_threads_loop_is_handled_on_the_consumers_loop(
    fc_layer: Any,
) -> None:
    get_layer("default")
    LoopRecorder.loops = []
    async with WebsocketCommunicator(LoopRecorder) as ws:
        for name in ("first", "second"):  # the second finds the delivery task waiting
            # a worker thread with a loop of its own (what async_to_sync gives *_sync callers)
            await asyncio.to_thread(asyncio.run, LoopRecorder.broadcast_event(Ping(payload=name)))
            assert await ws.receive_json() == {"action": "shout", "payload": name}
    assert LoopRecorder.loops == [asyncio.get_running_loop()] * 2
