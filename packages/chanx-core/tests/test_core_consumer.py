"""The receive path, replies, broadcasts and events, driven through the in-process harness."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator

import pytest
from core_consumers import ChatConsumer, LayerConsumer, fresh_layer
from core_models import ChatNotification, JobResult, UserJoined, UserJoinedNotification

from chanx.core import InMemoryChannelLayer, ws_handler
from chanx.core.testing import RecordingLayer, WebsocketHarness
from chanx.messages import PingMessage, PongMessage


@pytest.fixture(autouse=True)
def layer() -> Iterator[InMemoryChannelLayer]:
    yield fresh_layer()
    LayerConsumer.layer = None


async def test_ping_gets_pong_and_ref_is_echoed() -> None:
    async with WebsocketHarness(ChatConsumer) as ws:
        await ws.send_json({"action": "ping"})
        assert await ws.receive_message(PongMessage) == PongMessage()
        await ws.send_json({"action": "ping", "ref": "abc"})
        assert await ws.receive_json() == {
            "version": 1,
            "ref": "abc",
            "action": "pong",
            "payload": None,
        }
        await ws.send_json({"action": "ping", "ref": 12})
        assert (await ws.receive_json())["ref"] == 12
        await ws.send_json({"action": "ping", "ref": {"not": "an id"}})
        assert "ref" not in await ws.receive_json()
        assert await ws.receive_nothing()


async def test_handler_without_return_sends_nothing() -> None:
    ChatConsumer.logged.clear()
    async with WebsocketHarness(ChatConsumer) as ws:
        await ws.send_json({"action": "log", "payload": "hello"})
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "pong"
        assert ChatConsumer.logged == ["hello"]


async def test_send_message_inside_handler_and_return_value_both_reach_sender() -> None:
    async with WebsocketHarness(ChatConsumer) as ws:
        await ws.send_json({"action": "echo", "payload": 5, "ref": "r"})
        first, second = await ws.receive_json(), await ws.receive_json()
        assert first == {"version": 1, "ref": "r", "action": "echo", "payload": -5}
        assert second == {"version": 1, "ref": "r", "action": "echo", "payload": 5}


async def test_broadcast_reaches_group_members_once_and_exclude_current(
    layer: InMemoryChannelLayer,
) -> None:
    recording = RecordingLayer(layer)
    LayerConsumer.layer = recording
    async with WebsocketHarness(ChatConsumer) as a, WebsocketHarness(ChatConsumer) as b:
        await a.send_json({"action": "chat", "payload": {"message": "hi"}})
        expected = {
            "action": "chat_notification",
            "payload": {"message": "hi", "user_name": "anon"},
        }
        assert await a.receive_json() == expected
        assert await b.receive_json() == expected
        assert recording.broadcasts("room") == [expected]  # serialized once, one group_send
        assert await a.receive_nothing()
        assert await b.receive_nothing()

        consumer_b_channel = layer.group_members("room")[1]
        await ChatConsumer.broadcast_event(UserJoinedNotification(payload="x"), groups=["room"])
        assert (await a.receive_json())["payload"] == "x"
        assert (await b.receive_json())["payload"] == "x"
        assert consumer_b_channel


async def test_broadcast_message_exclude_current() -> None:
    class Excluding(ChatConsumer):
        async def handle_chat(self, message):  # type: ignore[no-untyped-def]
            await self.broadcast_message(
                ChatNotification(payload=message.payload), exclude_current=True
            )

    async with WebsocketHarness(Excluding) as a, WebsocketHarness(Excluding) as b:
        await a.send_json({"action": "chat", "payload": {"message": "only b"}})
        assert (await b.receive_json())["payload"]["message"] == "only b"
        assert await a.receive_nothing(0.1)


async def test_events_are_routed_to_event_handlers_and_results_sent(
    layer: InMemoryChannelLayer,
) -> None:
    async with WebsocketHarness(ChatConsumer) as a, WebsocketHarness(ChatConsumer) as b:
        await ChatConsumer.broadcast_event(UserJoined(payload="bob"))
        for ws in (a, b):
            assert await ws.receive_json() == {
                "action": "chat_notification",
                "payload": {"message": "bob joined", "user_name": "anon"},
            }
        channel_a = layer.group_members("room")[0]
        await ChatConsumer.send_event(JobResult(payload="done"), channel_a)
        assert await a.receive_json() == {"action": "job_result", "payload": "done"}
        assert await b.receive_nothing()
        # a failing event handler is logged and the connection keeps working
        await ChatConsumer.send_event(JobResult(payload="explode"), channel_a)
        await a.send_json({"action": "ping"})
        assert (await a.receive_json())["action"] == "pong"


async def test_unknown_and_invalid_layer_messages_are_ignored(layer: InMemoryChannelLayer) -> None:
    async with WebsocketHarness(ChatConsumer) as ws:
        channel = layer.group_members("room")[0]
        await layer.send(channel, {"type": "chanx.event", "key": "nobody", "event": "{}"})
        await layer.send(channel, {"type": "chanx.event", "key": "user_joined", "event": "{bad"})
        await layer.send(channel, {"type": "no.such_handler"})
        await layer.send(channel, {"type": "websocket.close"})
        await layer.send(channel, {"type": "_private"})
        await layer.send(channel, {"type": "chanx.broadcast", "text": '{"action":"x"}'})
        assert await ws.receive_json() == {"action": "x"}
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "pong"


async def test_sync_twins_work_from_a_plain_thread(layer: InMemoryChannelLayer) -> None:
    async with WebsocketHarness(ChatConsumer) as ws:
        channel = layer.group_members("room")[0]
        errors: list[BaseException] = []

        def work() -> None:
            try:
                ChatConsumer.broadcast_event_sync(UserJoined(payload="t"), ["room"])
                ChatConsumer.send_event_sync(JobResult(payload="direct"), channel)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        thread = threading.Thread(target=work)
        thread.start()
        await asyncio.to_thread(thread.join)
        assert not errors
        assert (await ws.receive_json())["payload"]["message"] == "t joined"
        assert (await ws.receive_json())["payload"] == "direct"


async def test_without_layer_broadcast_and_events_fail_loudly() -> None:
    LayerConsumer.layer = None
    with pytest.raises(RuntimeError, match="has no channel layer"):
        await ChatConsumer.broadcast_event(UserJoined(payload="x"))
    async with WebsocketHarness(ChatConsumer) as ws:
        await ws.send_json({"action": "chat", "payload": {"message": "hi"}})
        frame = await ws.receive_json()
        assert frame["action"] == "error"
        assert frame["payload"]["detail"].startswith("Failed to process message for ")


async def test_event_without_string_discriminator_is_refused() -> None:
    from pydantic import BaseModel

    class Weird(BaseModel):
        action: int = 3

    with pytest.raises(TypeError, match="no string discriminator"):
        await ChatConsumer.send_event(Weird(), "x")


async def test_completion_signal_follows_each_frame() -> None:
    class Completing(ChatConsumer):
        send_completion = True

    async with WebsocketHarness(Completing) as ws:
        await ws.send_json({"action": "ping", "ref": 1})
        frames = await ws.receive_all_json(stop_action="complete")
        assert frames == [
            {"version": 1, "ref": 1, "action": "pong", "payload": None},
            {"version": 1, "ref": 1, "action": "complete", "payload": None},
        ]
        await ws.send_json({"action": "log", "payload": "x"})
        assert await ws.receive_json() == {"action": "complete", "payload": None}


async def test_send_message_immediately_still_delivers_in_order() -> None:
    class Yielding(ChatConsumer):
        send_message_immediately = True

    async with WebsocketHarness(Yielding) as ws:
        for i in range(3):
            await ws.send_json({"action": "echo", "payload": i})
        got = [(await ws.receive_json())["payload"] for _ in range(6)]
        assert got == [0, 0, -1, 1, -2, 2]


@pytest.mark.parametrize("immediately", [True, False])
async def test_send_message_immediately_yields_to_the_loop_after_each_frame(
    immediately: bool,
) -> None:
    order: list[str] = []

    class Sender(LayerConsumer):
        send_message_immediately = immediately

        @ws_handler
        async def handle_ping(self, message: PingMessage) -> None:
            asyncio.get_running_loop().call_soon(order.append, "other work")
            await self.send_message(PongMessage())
            order.append("after the frame")

    async with WebsocketHarness(Sender) as ws:
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "pong"
    expected = ["other work", "after the frame"]
    assert order == (expected if immediately else expected[::-1])


async def test_group_membership_ends_with_the_connection(layer: InMemoryChannelLayer) -> None:
    ws = WebsocketHarness(ChatConsumer)
    assert await ws.connect()
    assert len(layer.group_members("room")) == 1
    await ws.disconnect()
    assert layer.group_members("room") == []
    assert json.dumps(layer._channels) == "{}"  # buffers are released too


async def test_handshake_completes_only_once_groups_are_joined(
    layer: InMemoryChannelLayer,
) -> None:
    class SlowJoin(ChatConsumer):
        async def post_authentication(self) -> None:
            await asyncio.sleep(0.05)  # e.g. a database lookup deciding the room
            assert self.channel_layer is not None
            await self.channel_layer.group_add("late_room", self.channel_name)
            self.groups.append("late_room")

    async with WebsocketHarness(SlowJoin) as ws:
        # no round trip needed: an open connection is already in every group
        await ChatConsumer.broadcast_event(UserJoinedNotification(payload="now"), ["late_room"])
        assert (await ws.receive_json())["payload"] == "now"


async def test_sending_from_post_authentication_accepts_first() -> None:
    class Greeter(ChatConsumer):
        async def post_authentication(self) -> None:
            await self.send_message(PongMessage())

    ws = WebsocketHarness(Greeter)
    assert await ws.connect()
    assert (await ws.receive_json())["action"] == "pong"
    await ws.disconnect()
