"""Ordering by default, bounded concurrency when asked for."""

from __future__ import annotations

from core_consumers import ChatConsumer

from chanx.core.testing import WebsocketHarness


async def test_frames_are_handled_in_order_by_default() -> None:
    async with WebsocketHarness(ChatConsumer) as ws:
        await ws.send_json({"action": "slow", "payload": 0.05})
        await ws.send_json({"action": "slow", "payload": 0.0})
        first, second = await ws.receive_json(), await ws.receive_json()
        assert (first["payload"], second["payload"]) == (50, 0)


async def test_bounded_concurrency_lets_fast_frames_overtake_slow_ones() -> None:
    class Parallel(ChatConsumer):
        max_concurrent_handlers = 2

    async with WebsocketHarness(Parallel) as ws:
        await ws.send_json({"action": "slow", "payload": 0.3, "ref": "slow"})
        await ws.send_json({"action": "slow", "payload": 0.0, "ref": "fast"})
        first, second = await ws.receive_json(), await ws.receive_json()
        assert (first["ref"], second["ref"]) == ("fast", "slow")  # ref follows its own task


async def test_disconnect_cancels_running_handlers() -> None:
    class Parallel(ChatConsumer):
        max_concurrent_handlers = 4

    ws = WebsocketHarness(Parallel)
    assert await ws.connect()
    await ws.send_json({"action": "slow", "payload": 30})
    await ws.send_json({"action": "ping"})
    assert (await ws.receive_json())["action"] == "pong"
    await ws.disconnect(timeout=2)  # would hang for 30 s if the handler kept running
