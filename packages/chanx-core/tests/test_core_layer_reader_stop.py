"""Stopping a reader ends it even when the layer turns the cancellation into its own error.

redis-py reports a cancelled blocking read as ``TimeoutError``; a reader that treated that as an
outage kept retrying after its connection closed, so the server never finished shutting down
and re-delivered messages were sent to closed sockets (found by the ASGI end-to-end tests).
"""

from __future__ import annotations

import asyncio
from typing import Any

from chanx.core.layer_reader import LayerReader


class CancelToTimeoutLayer:
    """A layer whose ``receive`` blocks, and raises ``TimeoutError`` when cancelled."""

    def __init__(self) -> None:
        self.receives = 0

    async def receive(self, channel: str) -> dict[str, Any]:
        self.receives += 1
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise TimeoutError("Timeout reading from redis") from None
        raise AssertionError("unreachable")

    async def group_add(self, group: str, channel: str) -> None:
        return None


class Consumer:
    groups: list[str] = []


async def test_stop_ends_a_reader_whose_layer_converts_cancellation() -> None:
    layer = CancelToTimeoutLayer()
    reader = LayerReader(Consumer(), layer, "specific.x")  # type: ignore[arg-type]
    reader.start()
    await asyncio.sleep(0.01)
    assert layer.receives == 1
    await asyncio.wait_for(reader.stop(), 2)
    assert layer.receives == 1  # no retry after the stop


class SlowCancelLayer:
    """A layer that honours a cancellation only when its blocking read times out."""

    def __init__(self, hold: float) -> None:
        self.hold = hold

    async def receive(self, channel: str) -> dict[str, Any]:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await asyncio.sleep(self.hold)  # the read finishes first
            raise TimeoutError("Timeout reading from redis") from None
        raise AssertionError("unreachable")

    async def group_add(self, group: str, channel: str) -> None:
        return None


async def test_stop_does_not_wait_for_a_layer_slow_to_cancel() -> None:
    reader = LayerReader(Consumer(), SlowCancelLayer(1.0), "specific.y")  # type: ignore[arg-type]
    reader.start()
    await asyncio.sleep(0.01)
    task = reader._task
    assert task is not None
    loop = asyncio.get_running_loop()
    start = loop.time()
    await reader.stop()
    assert loop.time() - start < 0.8  # bounded by the grace period, not the layer's 1 s
    assert not task.done()
    await asyncio.wait_for(task, 3)  # ...and the reader ends by itself, without retrying
    assert task.done()
