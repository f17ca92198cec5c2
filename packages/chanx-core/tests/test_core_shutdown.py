"""Graceful shutdown in process: in-flight replies are sent, then every connection gets 1012.

The servers' SIGTERM paths (uvicorn, daphne) are tested over real processes in
tests/reliability/test_reliability_shutdown.py; here :func:`chanx.core.shutdown.drain` runs
directly.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar, Literal

from chanx.constants import CLOSE_SERVICE_RESTART
from chanx.core import ChanxConsumer, shutdown, ws_handler
from chanx.core.testing import WebsocketHarness
from chanx.messages import BaseMessage, PingMessage, PongMessage


class SlowMessage(BaseMessage):
    action: Literal["slow"] = "slow"
    payload: int


class SlowReply(BaseMessage):
    action: Literal["slow_reply"] = "slow_reply"
    payload: int


class Worker(ChanxConsumer):
    shutdown_timeout = 5.0
    started: ClassVar[asyncio.Event]
    release: ClassVar[asyncio.Event]
    restarting_seen: ClassVar[list[bool]] = []

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler
    async def handle_slow(self, message: SlowMessage) -> SlowReply:
        self.started.set()
        await self.release.wait()
        return SlowReply(payload=message.payload)

    async def disconnect(self, code: int) -> None:
        self.restarting_seen.append(self.restarting)


class Stuck(Worker):
    shutdown_timeout = 0.2


async def test_drain_lets_the_running_handler_reply_then_closes_with_1012() -> None:
    Worker.started, Worker.release = asyncio.Event(), asyncio.Event()
    busy, idle = WebsocketHarness(Worker), WebsocketHarness(Worker)
    assert await busy.connect()
    assert await idle.connect()
    await busy.send_json({"action": "slow", "payload": 7})
    await asyncio.wait_for(Worker.started.wait(), 5)
    draining = asyncio.ensure_future(shutdown.drain())
    assert await idle.assert_closed(CLOSE_SERVICE_RESTART)  # idle: closed at once
    assert not draining.done()
    assert shutdown.draining()
    Worker.release.set()
    assert await busy.receive_json() == {"action": "slow_reply", "payload": 7}
    assert await busy.assert_closed(CLOSE_SERVICE_RESTART)
    await busy.disconnect()
    await idle.disconnect()
    await asyncio.wait_for(draining, 5)
    assert not shutdown.draining()
    assert Worker.restarting_seen[-2:] == [True, True]


async def test_a_handshake_during_the_drain_is_closed_with_1012() -> None:
    Worker.started, Worker.release = asyncio.Event(), asyncio.Event()
    busy = WebsocketHarness(Worker)
    assert await busy.connect()
    await busy.send_json({"action": "slow", "payload": 1})
    await asyncio.wait_for(Worker.started.wait(), 5)
    draining = asyncio.ensure_future(shutdown.drain())
    await asyncio.sleep(0)
    late = WebsocketHarness(Worker)
    assert await late.connect()
    assert await late.assert_closed(CLOSE_SERVICE_RESTART)
    await late.disconnect()
    Worker.release.set()
    assert (await busy.receive_json())["payload"] == 1
    await busy.disconnect()
    await asyncio.wait_for(draining, 5)


async def test_a_handler_past_shutdown_timeout_does_not_hold_the_close() -> None:
    Stuck.started, Stuck.release = asyncio.Event(), asyncio.Event()
    ws = WebsocketHarness(Stuck)
    assert await ws.connect()
    await ws.send_json({"action": "slow", "payload": 1})
    await asyncio.wait_for(Stuck.started.wait(), 5)
    draining = asyncio.ensure_future(shutdown.drain())
    assert await ws.assert_closed(CLOSE_SERVICE_RESTART, timeout=5)
    await ws.disconnect()
    await asyncio.wait_for(draining, 5)
    Stuck.release.set()


async def test_connections_are_tracked_until_they_end() -> None:
    ws = WebsocketHarness(Worker)
    assert await ws.connect()
    assert any(isinstance(c, Worker) for c in shutdown.live_connections())
    await ws.disconnect()
    assert not any(isinstance(c, Worker) for c in shutdown.live_connections())
