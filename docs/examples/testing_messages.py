"""Testing with typed messages: send models, read back validated replies, spy on broadcasts.

A test subclass turns completion frames on, so the communicator knows when a frame is done.
"""

from __future__ import annotations

from chat_app import ChatConsumer, ChatMessage, ChatNotification, ChatPayload, app

from chanx.core.testing import capture_broadcast_events
from chanx.fast_channels.testing import WebsocketCommunicator, isolated_layer
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage


class TestedChat(ChatConsumer):
    send_completion = True  # a "complete" frame ends every reply


async def test_ping_reply_is_read_as_messages() -> None:
    with isolated_layer():
        async with WebsocketCommunicator(TestedChat, "/ws/chat") as ws:
            await ws.send_message(PingMessage())
            assert await ws.receive_all_messages() == [PongMessage()]


async def test_routed_application_needs_the_consumer() -> None:
    with isolated_layer():
        async with WebsocketCommunicator(app, "/ws/chat", consumer=ChatConsumer) as ws:
            await ws.send_message(ChatMessage(payload=ChatPayload(message="hi")))
            # no completion on ChatConsumer: read up to the broadcast itself
            replies = await ws.receive_all_messages(stop_action="chat_notification")
            assert replies == [ChatNotification(payload=ChatPayload(message="hi"))]


async def test_everything_within_a_time_window() -> None:
    with isolated_layer():
        async with WebsocketCommunicator(TestedChat, "/ws/chat") as ws:
            await ws.send_message(PingMessage(), ref="p1")
            frames = await ws.receive_all_json(timeout=0.2)  # raw, for the whole window
            assert [(f["action"], f["ref"]) for f in frames] == [("pong", "p1"), ("complete", "p1")]


async def test_broadcast_events_are_captured() -> None:
    with capture_broadcast_events(ChatConsumer) as seen:
        await ChatConsumer.broadcast_event(
            ChatNotification(payload=ChatPayload(message="x")), "lobby"
        )
    assert seen[0].groups == "lobby"
    assert seen[0].event.payload.message == "x"
