"""ChanxRedisChannelLayer: one reader per process for local channels, same layer semantics."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from chanx.fast_channels._redis import ChanxRedisChannelLayer

pytestmark = [pytest.mark.asgi, pytest.mark.redis]


async def test_setup_layers_builds_it_and_group_messages_reach_every_local_channel(
    redis_layer: Any,
) -> None:
    layer = redis_layer(kind="core", alias="pump-test", capacity=50)
    assert isinstance(layer, ChanxRedisChannelLayer)
    channels = [await layer.new_channel() for _ in range(20)]
    for channel in channels:
        await layer.group_add("g", channel)
    readers = [asyncio.ensure_future(layer.receive(c)) for c in channels]
    for n in range(3):
        await layer.group_send("g", {"type": "x.y", "n": n})
    got = await asyncio.wait_for(asyncio.gather(*readers), 10)
    assert all(m == {"type": "x.y", "n": 0} for m in got)
    for channel in channels:  # the rest wait in order in each channel's queue
        assert [(await layer.receive(channel))["n"] for _ in range(2)] == [1, 2]
    await layer.send(channels[0], {"type": "direct"})
    assert await asyncio.wait_for(layer.receive(channels[0]), 10) == {"type": "direct"}
    for channel in channels:
        layer.forget_channel(channel)
    assert layer._pump is None  # the last channel gone, the pump stopped


async def test_a_full_channel_drops_its_oldest_message(redis_layer: Any) -> None:
    layer = redis_layer(kind="core", alias="pump-full", capacity=2)
    reading, idle = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("g", reading)
    await layer.group_add("g", idle)
    first = asyncio.ensure_future(layer.receive(reading))
    idle_reader = asyncio.ensure_future(layer.receive(idle))
    await layer.group_send("g", {"type": "m", "n": 0})
    assert (await asyncio.wait_for(first, 10))["n"] == 0
    assert (await asyncio.wait_for(idle_reader, 10))["n"] == 0
    for n in range(1, 5):
        await layer.group_send("g", {"type": "m", "n": n})
        assert (await asyncio.wait_for(layer.receive(reading), 10))["n"] == n
    assert [(await layer.receive(idle))["n"] for _ in range(2)] == [3, 4]
    layer.forget_channel(reading)
    layer.forget_channel(idle)


async def test_a_cancelled_receive_forgets_its_channel(redis_layer: Any) -> None:
    layer = redis_layer(kind="core", alias="pump-cancel")
    channel = await layer.new_channel()
    reader = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0.05)
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert channel not in layer._local
    assert layer._pump is None


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_failing_redis_reaches_every_waiting_receive() -> None:
    layer = ChanxRedisChannelLayer(hosts=[f"redis://127.0.0.1:{_closed_port()}/0"])
    channels = [await layer.new_channel() for _ in range(3)]
    results = await asyncio.gather(*(layer.receive(c) for c in channels), return_exceptions=True)
    assert all(isinstance(r, Exception) for r in results), results
    for channel in channels:
        layer.forget_channel(channel)
    await layer.close_pools()


async def test_non_local_channels_use_the_layers_own_receive(redis_layer: Any) -> None:
    layer = redis_layer(kind="core", alias="pump-plain")
    await layer.send("plain.channel", {"type": "p"})
    assert await asyncio.wait_for(layer.receive("plain.channel"), 10) == {"type": "p"}
    assert layer._pump is None


async def test_a_burst_beyond_the_pool_waits_for_a_connection_instead_of_failing(
    redis_layer: Any,
) -> None:
    # 40 concurrent group joins on a pool of 4 connections: redis-py's default pool raised
    # MaxConnectionsError for the commands that found every connection busy.
    layer = redis_layer(kind="core", alias="pump-burst", max_connections=4)
    channels = [await layer.new_channel() for _ in range(40)]
    await asyncio.wait_for(asyncio.gather(*(layer.group_add("g", c) for c in channels)), 20)
    readers = [asyncio.ensure_future(layer.receive(c)) for c in channels]
    await layer.group_send("g", {"type": "x.y"})
    got = await asyncio.wait_for(asyncio.gather(*readers), 20)
    assert got == [{"type": "x.y"}] * 40
    for channel in channels:
        layer.forget_channel(channel)
