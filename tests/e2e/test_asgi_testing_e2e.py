"""The testing helpers against a real server: uvicorn on Redis, a real WebSocket client.

``capture_broadcast_events`` patches the consumer class in the test process; with
``suppress=False`` the event still crosses Redis to a connection on another process, with
``suppress=True`` nothing leaves the test.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from chanx.core.testing import CapturedBroadcastEvent, capture_broadcast_events
from chanx.fast_channels.layers import setup_layers, unregister_layer

pytestmark = [pytest.mark.e2e, pytest.mark.asgi, pytest.mark.redis]

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


async def recv(ws: ClientConnection, timeout: float = 10) -> Any:
    async with asyncio.timeout(timeout):
        return json.loads(await ws.recv(decode=True))


@pytest.fixture
async def e2e_app(redis_url: str) -> AsyncIterator[tuple[Any, str]]:
    """The module uvicorn serves and a layer prefix; this process's ``default`` layer on Redis.

    Imported here, not at collection: importing it registers an in-memory ``default`` layer,
    which this fixture replaces for the test and removes afterwards.
    """
    module = importlib.import_module("asgi_e2e_app")  # by name: tests/e2e is not a package
    prefix = f"chanx-e2e-{uuid.uuid4().hex[:10]}"
    layer: Any = setup_layers(redis_url, prefix=prefix)
    yield module, prefix
    unregister_layer("default")
    await layer.flush()  # deletes this prefix's keys only


async def test_captured_broadcasts_reach_a_real_server_only_unsuppressed(
    start_server: Any, uvicorn_cmd: Any, redis_url: str, e2e_app: tuple[Any, str]
) -> None:
    module, prefix = e2e_app
    consumer, notice = module.E2EConsumer, module.NoticeEvent
    env = {"REDIS_URL": redis_url, "CHANX_LAYER_PREFIX": prefix}
    server = start_server(uvicorn_cmd("asgi_e2e_app:app"), env=env)
    async with connect(f"{server.ws}/ws") as client:
        await client.send(json.dumps({"action": "ping"}))
        assert await recv(client) == {"action": "pong", "payload": None}  # in its group now

        with capture_broadcast_events(consumer) as suppressed:
            await consumer.broadcast_event(notice(payload="kept back"))
        with capture_broadcast_events(consumer, suppress=False) as delivered:
            await consumer.broadcast_event(notice(payload="sent"), ["e2e"])

        assert suppressed == [CapturedBroadcastEvent(notice(payload="kept back"), None)]
        assert delivered == [CapturedBroadcastEvent(notice(payload="sent"), ["e2e"])]
        # The suppressed event would have arrived first: the same group, the same sender.
        assert await recv(client) == {"action": "notice_message", "payload": "sent"}
        await client.send(json.dumps({"action": "ping"}))
        assert await recv(client) == {"action": "pong", "payload": None}  # nothing else queued
