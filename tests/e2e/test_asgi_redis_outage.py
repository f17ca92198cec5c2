"""Redis lost mid-run: connections stay open, sends are buffered and arrive after it.

Each test starts its own redis-server on a free port, serves the e2e app with uvicorn on it,
kills Redis, checks the server keeps serving, restarts Redis on the same port and waits (with
a deadline) until what was sent during the outage reached both clients, once each.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

pytestmark = [pytest.mark.e2e, pytest.mark.asgi]


async def recv(ws: ClientConnection, timeout: float = 5) -> Any:
    async with asyncio.timeout(timeout):
        return json.loads(await ws.recv(decode=True))


async def identity(ws: ClientConnection) -> None:
    await ws.send(json.dumps({"action": "whoami"}))
    assert (await recv(ws))["action"] == "identity"


async def broadcast_arrives(sender: ClientConnection, receiver: ClientConnection) -> bool:
    """Send one chat line; True when ``receiver`` gets it (False: 5 s without a frame)."""
    text = f"probe-{uuid.uuid4().hex[:8]}"
    await sender.send(json.dumps({"action": "chat", "payload": text}))
    try:
        while True:
            frame = await recv(receiver, 5)
            if frame == {"action": "chat", "payload": text}:
                return True
    except TimeoutError:
        return False


async def until(ws: ClientConnection, wanted: Any, timeout: float = 15) -> list[Any]:
    """Every frame up to and including ``wanted`` (frames of one connection come in order)."""
    frames: list[Any] = []
    async with asyncio.timeout(timeout):
        while wanted not in frames:
            frames.append(await recv(ws, timeout))
    return frames


async def drain(ws: ClientConnection) -> list[Any]:
    frames = []
    try:
        while True:
            frames.append(await recv(ws, 0.2))
    except TimeoutError:
        return frames


@pytest.mark.parametrize("kind", ["core", "pubsub"])
async def test_server_survives_a_redis_restart(
    start_server: Any, uvicorn_cmd: Any, start_redis: Any, kind: str
) -> None:
    redis = start_redis()
    env = {
        "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
        "CHANX_LAYER_KIND": kind,
        "CHANX_LAYER_PREFIX": "chanx-outage",
    }
    server = start_server(uvicorn_cmd("asgi_e2e_app:app"), env=env)
    async with (
        httpx.AsyncClient(base_url=server.http) as http,
        connect(f"{server.ws}/ws") as x,
        connect(f"{server.ws}/ws") as y,
    ):
        await identity(x)
        await identity(y)
        assert await broadcast_arrives(x, y)
        await drain(x)

        redis.stop()
        # sends during the outage are buffered (chanx.core.outage_buffer): no error frame
        await x.send(json.dumps({"action": "chat", "payload": "during outage"}))
        await x.send(json.dumps({"action": "ping"}))
        # still serving: the pong comes once the chat's broadcast is buffered (how long the
        # Redis client takes to give up on the lost server depends on the host's speed)
        frames = await until(x, {"action": "pong", "payload": None})
        assert not [f for f in frames if f["action"] == "error"]
        assert (await http.get("/health")).status_code == 200
        response = await http.post("/notice", params={"text": "buffered"})
        assert response.status_code == 200  # queued for when Redis is back

        redis.start()  # same port, empty: every group membership is gone
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        got: dict[int, list[Any]] = {0: [], 1: []}
        during = {"action": "chat", "payload": "during outage"}
        notice = {"action": "notice_message", "payload": "buffered"}
        while not all(during in g and notice in g for g in got.values()):
            assert loop.time() < deadline, f"the buffered sends did not arrive: {got}"
            for i, ws in enumerate((x, y)):
                got[i] += await drain(ws)
        for frames in got.values():  # once each, in the order they were sent
            assert frames.count(during) == 1
            assert frames.count(notice) == 1
            assert frames.index(during) < frames.index(notice)
        assert await broadcast_arrives(x, y)
        assert (await http.post("/notice", params={"text": "back"})).status_code == 200
        for ws in (x, y):
            await until(ws, {"action": "notice_message", "payload": "back"})
        await y.send(json.dumps({"action": "ping"}))
        assert await recv(y) == {"action": "pong", "payload": None}  # never disconnected
    log = server.output()
    assert "buffering sends" in log  # the outage was logged
