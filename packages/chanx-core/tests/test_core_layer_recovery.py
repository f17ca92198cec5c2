"""After an outage the reader re-joins its groups before reading, even on a quiet channel.

A restarted Redis has forgotten every group, so no message would ever reach the channel to
wake a blocked ``receive``: re-joining must not wait for one (found by the Redis restart test
of the reliability suite).
"""

from __future__ import annotations

import asyncio
from typing import Any

from core_consumers import ChatConsumer, LayerConsumer

from chanx.core import InMemoryChannelLayer
from chanx.core.testing import WebsocketHarness


class RestartingLayer(InMemoryChannelLayer):
    """``receive`` and ``group_add`` fail while ``down``; ``restart()`` forgets every group."""

    direct_delivery = False  # consumers read it with a task, as they read a Redis layer

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.receive_failures = 0
        self.add_failures = 0

    async def receive(self, channel: str) -> dict[str, Any]:
        if self.down:
            self.receive_failures += 1
            raise ConnectionError("connection refused")
        return await super().receive(channel)

    async def group_add(self, group: str, channel: str) -> None:
        if self.down:
            self.add_failures += 1
            raise ConnectionError("connection refused")
        await super().group_add(group, channel)

    def crash(self) -> None:
        self.down = True
        self._groups.clear()
        for box in self._channels.values():  # wake blocked readers, as a dropped socket does
            if box.waiter is not None and not box.waiter.done():
                box.waiter.set_exception(ConnectionError("connection reset"))


async def until(condition: Any, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def test_groups_come_back_without_any_message_to_wake_the_reader() -> None:
    layer = RestartingLayer()
    LayerConsumer.layer = layer
    try:
        async with WebsocketHarness(ChatConsumer) as ws:
            (channel,) = layer.group_members("room")
            layer.crash()
            await until(lambda: layer.add_failures >= 1, "a failed re-join while down")
            assert layer.group_members("room") == []
            layer.down = False  # back, empty, and nobody sends to the channel directly
            await until(lambda: layer.group_members("room") == [channel], "groups restored")
            await layer.group_send("room", {"type": "chanx.broadcast", "text": '{"action":"x"}'})
            assert await ws.receive_json() == {"action": "x"}
            await ws.send_json({"action": "ping"})
            assert (await ws.receive_json())["action"] == "pong"
    finally:
        LayerConsumer.layer = None
