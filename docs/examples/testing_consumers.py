"""Testing a consumer in process: no server, no sockets, a fresh layer per test.

These are ordinary pytest tests (pytest-asyncio's ``asyncio_mode = "auto"``).
"""

from __future__ import annotations

from chat_app import ChatConsumer, app

from chanx.fast_channels.testing import WebsocketCommunicator, capture_layer, isolated_layer
from chanx.messages.outgoing import PongMessage


async def test_ping_gets_pong() -> None:
    with isolated_layer():
        async with WebsocketCommunicator(app, "/ws/chat") as ws:
            await ws.send_json({"action": "ping"})
            assert await ws.receive_message(PongMessage) == PongMessage()


async def test_chat_reaches_every_member() -> None:
    with isolated_layer():
        async with (
            WebsocketCommunicator(app, "/ws/chat") as alice,
            WebsocketCommunicator(app, "/ws/chat") as bob,
        ):
            await alice.send_json({"action": "chat", "payload": {"message": "hi"}})
            expected = {"action": "chat_notification", "payload": {"message": "hi"}}
            assert await alice.receive_json() == expected
            assert await bob.receive_json() == expected


async def test_broadcast_is_recorded() -> None:
    with isolated_layer(), capture_layer() as layer:
        async with WebsocketCommunicator(ChatConsumer) as ws:  # the consumer, no router
            await ws.send_json({"action": "chat", "payload": {"message": "hi"}})
            await ws.receive_json()
        assert layer.broadcasts("lobby") == [
            {"action": "chat_notification", "payload": {"message": "hi"}}
        ]


async def test_bad_input_gets_an_error_frame() -> None:
    with isolated_layer():
        async with WebsocketCommunicator(app, "/ws/chat") as ws:
            await ws.send_text("not json")
            frame = await ws.receive_json()
            assert frame["action"] == "error"
            await ws.send_json({"action": "ping"})  # the connection is still open
            assert (await ws.receive_json())["action"] == "pong"
