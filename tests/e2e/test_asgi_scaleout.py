"""Scale-out: two uvicorn processes share a real Redis; messages cross between them."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

pytestmark = [pytest.mark.e2e, pytest.mark.asgi, pytest.mark.redis]


#: Frames of the demo's presence and typing mixins (tested in test_mixins_*.py), skipped here.
MIXIN_FRAMES = {"presence_state", "presence_diff", "typing_users"}


async def recv(ws: ClientConnection, timeout: float = 5) -> Any:
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv(decode=True))
            if not (isinstance(frame, dict) and frame.get("action") in MIXIN_FRAMES):
                return frame


async def identity(ws: ClientConnection) -> dict[str, Any]:
    """Round trip through the consumer: once answered, its groups are joined."""
    await ws.send(json.dumps({"action": "whoami"}))
    frame = await recv(ws)
    assert frame["action"] == "identity"
    payload: dict[str, Any] = frame["payload"]
    return payload


@pytest.mark.parametrize("kind", ["core", "pubsub"])
async def test_broadcasts_and_events_cross_processes(
    start_server: Any, uvicorn_cmd: Any, redis_url: str, kind: str
) -> None:
    env = {
        "REDIS_URL": redis_url,
        "CHANX_LAYER_KIND": kind,
        "CHANX_LAYER_PREFIX": f"chanx-e2e-{uuid.uuid4().hex[:10]}",
    }
    a = start_server(uvicorn_cmd("asgi_e2e_app:app"), env=env)
    b = start_server(uvicorn_cmd("asgi_e2e_app:app"), env=env)
    async with (
        httpx.AsyncClient() as http,
        connect(f"{a.ws}/ws") as on_a,
        connect(f"{b.ws}/ws") as on_b1,
        connect(f"{b.ws}/ws") as on_b2,
    ):
        health_a = (await http.get(f"{a.http}/health")).json()
        health_b = (await http.get(f"{b.http}/health")).json()
        assert health_a["kind"] == health_b["kind"] == kind
        assert health_a["pid"] != health_b["pid"]
        assert (await identity(on_a))["pid"] == health_a["pid"]
        b1 = await identity(on_b1)
        assert b1["pid"] == health_b["pid"]
        await identity(on_b2)

        await on_a.send(json.dumps({"action": "chat", "payload": "from A"}))
        for ws in (on_a, on_b1, on_b2):
            assert await recv(ws) == {"action": "chat", "payload": "from A"}

        response = await http.post(f"{a.http}/notice", params={"text": "event from A"})
        assert response.json()["pid"] == health_a["pid"]
        for ws in (on_a, on_b1, on_b2):
            assert await recv(ws) == {"action": "notice_message", "payload": "event from A"}

        await http.post(f"{a.http}/direct", params={"text": "just b1", "channel": b1["channel"]})
        assert await recv(on_b1) == {"action": "notice_message", "payload": "just b1"}
        await on_b2.send(json.dumps({"action": "ping"}))
        assert await recv(on_b2) == {"action": "pong", "payload": None}  # nothing else queued


async def test_demo_scales_out_through_redis(start_server: Any, redis_url: str) -> None:
    env = {"REDIS_URL": redis_url, "CHANX_LAYER_PREFIX": f"chanx-demo-{uuid.uuid4().hex[:10]}"}
    argv = [sys.executable, "-m", "demo", "--port", "{port}", "--log-level", "warning"]
    a = start_server(argv, env=env)
    b = start_server(argv, env=env)
    async with (
        httpx.AsyncClient() as http,
        connect(f"{a.ws}/ws/chat/lobby?token=alice-token") as alice,
    ):
        # A ping answered means alice's connection finished joining the room (frames are
        # handled after the handshake's work), so she cannot miss bob's arrival.
        await alice.send(json.dumps({"action": "ping"}))
        assert await recv(alice) == {"action": "pong", "payload": None}
        async with connect(f"{b.ws}/ws/chat/lobby?token=bob-token") as bob:
            assert (await http.get(f"{a.http}/api/health")).json()["layer"] == "redis"
            joined = await recv(alice)  # bob joined on the other process
            assert joined == {
                "action": "user_joined",
                "payload": {"username": "bob", "room": "lobby"},
            }
            await chat_and_announce(http, a.http, alice, bob)


async def chat_and_announce(
    http: httpx.AsyncClient, base: str, alice: ClientConnection, bob: ClientConnection
) -> None:
    """A chat line and an announcement, both sent through process A, reach both clients."""
    await alice.send(json.dumps({"action": "chat", "payload": {"message": "hi bob"}}))
    assert (await recv(bob))["payload"]["message"] == "hi bob"
    assert (await recv(alice))["payload"]["message"] == "hi bob"
    await http.post(f"{base}/api/rooms/lobby/announcements", json={"message": "x"})
    assert await recv(bob) == {"action": "announcement", "payload": "x"}
    assert await recv(alice) == {"action": "announcement", "payload": "x"}


def test_demo_refuses_to_start_without_its_redis() -> None:
    url = "redis://:hunter2@127.0.0.1:9/0"  # port 9 (discard) does not speak Redis
    done = subprocess.run(
        [sys.executable, "-m", "demo", "--port", "0"],
        env={**os.environ, "REDIS_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "Redis at redis://:***@127.0.0.1:9/0 is unavailable" in done.stderr
    assert "hunter2" not in done.stderr


async def test_closed_connections_leave_their_groups_promptly(
    start_server: Any, uvicorn_cmd: Any, redis_url: str
) -> None:
    """Several clients closing at once all leave the group within a second (Redis core layer).

    fast-channels' Redis layer can hold a reader's cancellation for its whole 5 s blocking
    read; the consumer must not make leaving the group wait for it.
    """
    import redis.asyncio as aioredis

    prefix = f"chanx-e2e-{uuid.uuid4().hex[:10]}"
    env = {"REDIS_URL": redis_url, "CHANX_LAYER_KIND": "core", "CHANX_LAYER_PREFIX": prefix}
    server = start_server(uvicorn_cmd("asgi_e2e_app:app"), env=env)
    client = aioredis.Redis.from_url(redis_url)
    key = f"{prefix}:group:e2e"
    try:
        for _ in range(3):
            sockets = [await connect(f"{server.ws}/ws") for _ in range(4)]
            for ws in sockets:
                await identity(ws)
            assert await client.zcard(key) == 4
            await asyncio.gather(*(ws.close() for ws in sockets))
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 1.5
            while await client.zcard(key):
                assert loop.time() < deadline, "closed connections are still in the group"
                await asyncio.sleep(0.05)
    finally:
        await client.delete(key)
        await client.aclose()
