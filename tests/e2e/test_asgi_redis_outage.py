"""Redis lost mid-run: connections stay open, sends fail loudly, broadcasts resume after.

Each test starts its own redis-server on a free port, serves the e2e app with uvicorn on it,
kills Redis, checks the server keeps serving, restarts Redis on the same port and waits (with
a deadline) until a broadcast crosses between two clients again.
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
    """Send one chat line; True when ``receiver`` gets it within a short wait."""
    text = f"probe-{uuid.uuid4().hex[:8]}"
    await sender.send(json.dumps({"action": "chat", "payload": text}))
    try:
        while True:
            frame = await recv(receiver, 0.5)
            if frame == {"action": "chat", "payload": text}:
                return True
    except TimeoutError:
        return False


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
        await x.send(json.dumps({"action": "chat", "payload": "during outage"}))
        if kind == "core":  # the core layer's group_send fails at once: one error frame
            error = await recv(x)
            assert error["action"] == "error"
            assert error["payload"]["detail"].startswith("Failed to process message for ")
        await x.send(json.dumps({"action": "ping"}))
        frames = await drain(x)
        assert {"action": "pong", "payload": None} in frames  # still serving
        assert (await http.get("/health")).status_code == 200
        response = await http.post("/notice", params={"text": "lost"})
        assert response.status_code == 500  # the send fails loudly, not silently

        redis.start()  # same port, empty: every group membership is gone
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while not await broadcast_arrives(x, y):
            assert loop.time() < deadline, "broadcasts did not resume after Redis came back"
        assert (await http.post("/notice", params={"text": "back"})).status_code == 200
        for ws in (x, y):
            frames = await drain(ws)
            assert {"action": "notice_message", "payload": "back"} in frames
        await y.send(json.dumps({"action": "ping"}))
        assert await recv(y) == {"action": "pong", "payload": None}  # never disconnected
    log = server.output()
    assert "ConnectionError" in log or "Connection refused" in log
