"""InMemoryChannelLayer semantics and the fault-tolerant layer reader."""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import Any

import pytest
from core_consumers import ChatConsumer, LayerConsumer
from core_models import UserJoinedNotification

from chanx.core import ChannelFull, InMemoryChannelLayer, layer_messages
from chanx.core.layer_messages import handler_name
from chanx.core.testing import WebsocketHarness


async def test_send_receive_groups_and_capacity() -> None:
    layer = InMemoryChannelLayer(capacity=2, expiry=30)
    a, b = await layer.new_channel(), await layer.new_channel()
    assert a != b
    assert a.startswith("specific.")
    await layer.send(a, {"type": "x", "n": 1})
    assert await layer.receive(a) == {"type": "x", "n": 1}
    await layer.group_add("g", a)
    await layer.group_add("g", b)
    message = {"type": "y"}
    await layer.group_send("g", message)
    got_a, got_b = await layer.receive(a), await layer.receive(b)
    assert got_a is message
    assert got_b is message
    await layer.send(a, {"type": "1"})
    await layer.send(a, {"type": "2"})
    with pytest.raises(ChannelFull):
        await layer.send(a, {"type": "3"})
    await layer.group_send("g", {"type": "dropped for a"})  # a is full: skipped, b gets it
    assert (await layer.receive(b))["type"] == "dropped for a"
    await layer.group_discard("g", a)
    await layer.group_discard("g", b)
    await layer.group_discard("absent", a)
    assert layer.group_members("g") == []
    await layer.flush()
    await layer.close()


async def test_receive_waits_until_a_message_arrives() -> None:
    layer = InMemoryChannelLayer()
    channel = await layer.new_channel()
    waiter = asyncio.create_task(layer.receive(channel))
    await asyncio.sleep(0)
    assert not waiter.done()
    await layer.send(channel, {"type": "late"})
    assert (await asyncio.wait_for(waiter, 1)) == {"type": "late"}


async def test_group_send_skips_forgotten_channels() -> None:
    layer = InMemoryChannelLayer()
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    layer.forget_channel(channel)
    await layer.group_send("g", {"type": "x"})
    assert channel not in layer._channels


async def test_calls_from_another_thread_run_on_the_owning_loop() -> None:
    layer = InMemoryChannelLayer()
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    receiver = asyncio.create_task(layer.receive(channel))
    await asyncio.sleep(0)
    loops: list[Any] = []

    def other_thread() -> None:
        async def send() -> None:
            loops.append(asyncio.get_running_loop())
            await layer.group_send("g", {"type": "from thread"})

        asyncio.run(send())

    thread = threading.Thread(target=other_thread)
    thread.start()
    assert (await asyncio.wait_for(receiver, 2)) == {"type": "from thread"}
    await asyncio.to_thread(thread.join)
    assert loops
    assert loops[0] is not asyncio.get_running_loop()


class FlakyLayer(InMemoryChannelLayer):
    """Fails ``receive`` while ``down`` is set, like a Redis outage, and forgets groups."""

    direct_delivery = False  # consumers read it with a task, as they read a Redis layer

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.failures = 0
        self.recovered = asyncio.Event()

    async def receive(self, channel: str) -> dict[str, Any]:
        if self.down:
            self.failures += 1
            await asyncio.sleep(0.01)
            raise ConnectionError("layer unreachable")
        return await super().receive(channel)

    async def group_add(self, group: str, channel: str) -> None:
        await super().group_add(group, channel)
        if self.failures:
            self.recovered.set()


async def test_layer_outage_keeps_the_connection_and_restores_groups(
    caplog: pytest.LogCaptureFixture,
) -> None:
    layer = FlakyLayer()
    LayerConsumer.layer = layer
    try:
        async with WebsocketHarness(ChatConsumer) as ws:
            (channel,) = layer.group_members("room")
            layer.down = True
            # wake the reader so it hits the outage, then lose group state as Redis would
            await layer.send(channel, {"type": "chanx.broadcast", "text": '{"action":"before"}'})
            assert await ws.receive_json() == {"action": "before"}
            deadline = asyncio.get_running_loop().time() + 5
            while layer.failures < 2:
                assert asyncio.get_running_loop().time() < deadline, "reader never retried"
                await asyncio.sleep(0.01)
            await layer.flush()
            layer._channels[channel] = type(layer._channel("x"))()
            # the client connection is untouched during the outage
            await ws.send_json({"action": "ping"})
            assert (await ws.receive_json())["action"] == "pong"
            layer.down = False
            await layer.send(channel, {"type": "chanx.broadcast", "text": '{"action":"after"}'})
            assert await ws.receive_json() == {"action": "after"}
            await asyncio.wait_for(layer.recovered.wait(), 5)
            assert layer.group_members("room") == [channel]
            await ChatConsumer.broadcast_event(UserJoinedNotification(payload="back"))
            assert (await ws.receive_json())["payload"] == "back"
    finally:
        LayerConsumer.layer = None
    assert "channel layer receive failed" in caplog.text


def test_layer_conformance_is_per_class_except_for_proxies() -> None:
    from chanx.core.testing.layers import RecordingLayer
    from chanx.core.types import forgets_channels, is_direct_delivery

    class Remote:  # neither capability
        async def send(self, channel: str, message: dict[str, Any]) -> None: ...

    memory = InMemoryChannelLayer()
    assert is_direct_delivery(memory)
    assert forgets_channels(memory)
    assert not is_direct_delivery(Remote())
    assert not forgets_channels(Remote())
    # A proxy conforms by what it wraps, whichever it wrapped first.
    assert forgets_channels(RecordingLayer(memory))
    assert not forgets_channels(RecordingLayer(Remote()))
    assert is_direct_delivery(RecordingLayer(memory))


@pytest.mark.parametrize(
    "kind", ["websocket.close", "websocket.receive", "_private", "_x.y", None, 3, ["a.b"]]
)
def test_handler_name_refuses_asgi_private_and_non_string_types(kind: Any) -> None:
    for _ in range(2):  # the second lookup of a string type is answered by the cache
        assert handler_name({"type": kind}) is None


def test_handler_name_is_one_interned_name_per_type() -> None:
    suffix = "some_event"
    first = handler_name({"type": f"chat.{suffix}"})
    assert first == "chat_some_event"
    # the interned object, the same every time, so getattr() hits the attribute cache
    assert sys.intern(f"chat_{suffix}") is first
    assert handler_name({"type": f"chat.{suffix}"}) is first


def test_handler_name_cache_is_bounded() -> None:
    for n in range(3000):
        assert handler_name({"type": f"bound.t{n}"}) == f"bound_t{n}"
    assert layer_messages._method_name.cache_info().currsize <= 1024
