"""The in-process harness itself: handshakes, closes, crashes and timeouts are reported."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import pytest

from chanx.core import ChanxConsumer, ws_handler
from chanx.core.testing import ConnectResult, RecordingLayer, WebsocketHarness
from chanx.messages import PingMessage, PongMessage
from chanx.messages.base import BaseMessage


class Greeting(BaseMessage):
    action: Literal["greet"] = "greet"
    payload: str


class Plain(ChanxConsumer):
    channel_layer_alias = None

    @ws_handler
    async def greet(self, message: Greeting) -> Greeting:
        return Greeting(payload=f"hi {message.payload}")

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        await self.close(4321, reason="bye")
        assert self.closed
        return PongMessage()


async def refuse(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.close", "code": 4003})


async def crash(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    raise RuntimeError("app crashed")


async def silent_then_binary(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    await receive()
    await send({"type": "websocket.send", "bytes": b"\x00"})
    await receive()


async def test_send_message_and_receive_message_round_trip() -> None:
    async with WebsocketHarness(
        Plain, path="/ws", headers=[("x-a", "b")], path_params={"r": 1}
    ) as ws:
        assert ws.scope["path_params"] == {"r": 1}
        assert ws.scope["headers"] == [(b"x-a", b"b")]
        await ws.send_message(Greeting(payload="ann"))
        assert await ws.receive_message(Greeting) == Greeting(payload="hi ann")


async def test_close_from_the_server_is_reported() -> None:
    async with WebsocketHarness(Plain) as ws:
        await ws.send_message(PingMessage())
        with pytest.raises(AssertionError, match="closed with code 4321"):
            await ws.receive_text()
        assert ws.close_code == 4321
        await ws.send_message(Greeting(payload="ignored after close"))
        assert await ws.receive_nothing()


async def test_refused_connection() -> None:
    ws = WebsocketHarness(refuse)
    assert await ws.connect() == ConnectResult(False, 4003) == (False, 4003)
    assert not ConnectResult(False, 4003)
    accepted, code = ConnectResult(False, 4003)
    assert (accepted, code, ConnectResult(False, 4003).close_code) == (False, 4003, 4003)
    with pytest.raises(AssertionError, match="refused with close code 4003"):
        async with WebsocketHarness(refuse):
            pass


async def test_application_crash_surfaces_in_the_test() -> None:
    ws = WebsocketHarness(crash)
    with pytest.raises(RuntimeError, match="app crashed"):
        await ws.connect()


async def test_timeouts_and_binary_frames_are_reported() -> None:
    ws = WebsocketHarness(silent_then_binary, timeout=0.05)
    assert await ws.connect()
    with pytest.raises(TimeoutError):
        await ws.receive_text()
    await ws.send_text("x")
    with pytest.raises(AssertionError, match="expected a text frame"):
        await ws.receive_text()
    await ws.disconnect()
    await ws.disconnect()  # idempotent


async def test_receive_nothing_keeps_an_early_frame_for_the_next_receive() -> None:
    async with WebsocketHarness(Plain) as ws:
        await ws.send_message(Greeting(payload="x"))
        assert not await ws.receive_nothing(0.5)
        assert (await ws.receive_json())["payload"] == "hi x"


async def test_recording_layer_forwards_and_decodes() -> None:
    from chanx.core import InMemoryChannelLayer

    inner = InMemoryChannelLayer()
    layer = RecordingLayer(inner)
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    await layer.send(channel, {"type": "chanx.event", "key": "k", "event": '{"a": 1}'})
    await layer.group_send("g", {"type": "chanx.broadcast", "text": '{"b": 2}'})
    assert layer.events() == [(channel, {"a": 1})]
    assert layer.broadcasts() == [{"b": 2}]
    assert layer.broadcasts("other") == []
    assert (await layer.receive(channel))["type"] == "chanx.event"


async def accept_offered(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept", "subprotocol": scope["subprotocols"][0]})
    await receive()


async def test_scope_follows_channels_communicator_arguments() -> None:
    ws = WebsocketHarness(
        accept_offered, "/ws/a%20b?x=1&y=2", [(b"X-Raw", b"v")], ["chat.v2"], "2.3"
    )
    assert ws.scope["path"] == "/ws/a b"
    assert ws.scope["query_string"] == b"x=1&y=2"
    assert ws.scope["headers"] == [(b"X-Raw", b"v")]  # exactly as given
    assert ws.scope["spec_version"] == ws.scope["asgi"]["spec_version"] == "2.3"
    connected, subprotocol = await ws.connect()
    assert (connected, subprotocol) == (True, "chat.v2")
    assert (await ws.connect()).subprotocol == "chat.v2"  # a second handshake, same answer
    await ws.disconnect()


async def test_channels_spellings_and_consumer_detection() -> None:
    assert WebsocketHarness(Plain).consumer is Plain
    assert WebsocketHarness(Plain.as_asgi()).consumer is Plain
    assert WebsocketHarness(refuse).consumer is None
    async with WebsocketHarness(Plain) as ws:
        await ws.send_to(text_data='{"action": "greet", "payload": "bo"}')
        assert await ws.receive_from() == '{"action":"greet","payload":"hi bo"}'
        await ws.send_json_to({"action": "greet", "payload": "al"})
        assert (await ws.receive_json_from())["payload"] == "hi al"
        with pytest.raises(ValueError, match="exactly one"):
            await ws.send_to()
        assert await ws.receive_nothing(timeout=0.1, interval=0.01)


async def test_frames_keep_their_order_after_receive_nothing_saw_one() -> None:
    """A frame noticed by receive_nothing() stays first, even when more came right behind it."""

    async def burst(scope: Any, receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        while (await receive())["type"] == "websocket.receive":
            await asyncio.sleep(0.05)  # the test is waiting in receive_nothing() by now
            for n in range(3):  # no await in between that yields: all three land at once
                await send({"type": "websocket.send", "text": f'{{"n": {n}}}'})

    async with WebsocketHarness(burst, "/") as ws:
        await ws.send_json({"go": 1})
        assert not await ws.receive_nothing(1)
        assert [await ws.receive_json() for _ in range(3)] == [{"n": 0}, {"n": 1}, {"n": 2}]
