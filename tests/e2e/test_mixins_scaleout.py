"""The mixins across two server processes sharing one Redis (store and channel layer).

On the ASGI binding (two uvicorn processes) and on the Django binding (two daphne processes).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

pytestmark = [pytest.mark.e2e, pytest.mark.redis]
asgi = pytest.mark.asgi
HERE = Path(__file__).resolve().parent


async def recv(ws: ClientConnection, timeout: float = 5) -> Any:
    async with asyncio.timeout(timeout):
        return json.loads(await ws.recv(decode=True))


async def recv_action(ws: ClientConnection, action: str, timeout: float = 5) -> Any:
    """Skip frames until one with ``action`` arrives (within ``timeout`` seconds in all)."""
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv(decode=True))
            if frame["action"] == action:
                return frame


async def replies_of(ws: ClientConnection, count: int) -> list[str]:
    """Actions of the next ``count`` replies (errors or states), skipping room broadcasts."""
    actions: list[str] = []
    while len(actions) < count:
        frame = await recv(ws)
        if frame["action"] in ("error", "presence_state"):
            actions.append(frame["action"])
    return actions


def users(frame: dict[str, Any]) -> list[str]:
    return [u["user"] for u in frame["users"]]


@pytest.fixture
async def cleanup_keys(redis_url: str) -> Any:
    """A fresh key prefix, its keys deleted after the test (never the whole database)."""
    import redis.asyncio as aioredis

    prefix = f"chanx-mixins-e2e-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = aioredis.Redis.from_url(redis_url)
    async for key in client.scan_iter(match=f"{prefix}*"):
        await client.delete(key)
    await client.aclose()


@asgi
async def test_two_processes_share_presence_typing_and_user_buckets(
    start_server: Any, uvicorn_cmd: Any, redis_url: str, cleanup_keys: str
) -> None:
    env = {"REDIS_URL": redis_url, "MIXINS_PREFIX": cleanup_keys, "PRESENCE_TTL": "5"}
    a = start_server(uvicorn_cmd("mixins_e2e_app:app"), env=env)
    b = start_server(uvicorn_cmd("mixins_e2e_app:app"), env=env)
    async with httpx.AsyncClient() as http, connect(f"{a.ws}/ws/lobby?user=alice") as alice:
        assert users((await recv(alice))["payload"]) == ["alice"]
        async with connect(f"{b.ws}/ws/lobby?user=bob") as bob:
            state = (await recv(bob))["payload"]
            assert users(state) == ["alice", "bob"]
            assert (await recv(alice))["payload"]["joins"][0]["user"] == "bob"
            async with connect(f"{b.ws}/ws/lobby?user=alice") as alice_tab2:
                tab_state = (await recv(alice_tab2))["payload"]
                assert (tab_state["user_count"], tab_state["connection_count"]) == (2, 3)
                views = [(await http.get(f"{s.http}/presence/lobby")).json() for s in (a, b)]
                assert views[0]["pid"] != views[1]["pid"]
                assert views[0]["users"] == views[1]["users"]
                assert views[0]["connection_count"] == 3

                await bob.send(json.dumps({"action": "typing_start"}))
                assert (await recv_action(alice, "typing_users"))["payload"]["typists"] == ["bob"]

                # alice's user bucket (6 tokens) is shared by her tabs on both processes
                for _ in range(4):
                    await alice.send(json.dumps({"action": "presence_list"}))
                    await alice_tab2.send(json.dumps({"action": "presence_list"}))
                replies = [await replies_of(ws, 4) for ws in (alice, alice_tab2)]
                assert sorted(replies[0] + replies[1]) == ["error"] * 2 + ["presence_state"] * 6
            # alice still has her tab on A: no leave
            await bob.send(json.dumps({"action": "presence_list"}))
            assert users((await recv_action(bob, "presence_state"))["payload"]) == [
                "alice",
                "bob",
            ]


def daphne_cmd() -> list[str]:
    return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", "{port}",
            "mixins_django_app:application"]  # fmt: skip


@pytest.mark.parametrize(
    "binding", [pytest.param("asgi", marks=asgi), pytest.param("django", marks=pytest.mark.django)]
)
async def test_killed_process_connections_expire_and_the_room_is_told(
    start_server: Any, uvicorn_cmd: Any, redis_url: str, cleanup_keys: str, binding: str
) -> None:
    env = {"REDIS_URL": redis_url, "MIXINS_PREFIX": cleanup_keys, "PRESENCE_TTL": "1.0"}
    if binding == "asgi":
        argv, path = uvicorn_cmd("mixins_e2e_app:app"), "/ws/lobby"
    else:
        argv, path = daphne_cmd(), "/ws/lobby/"
        env["PYTHONPATH"] = str(HERE)
    doomed = start_server(argv, env=env)
    survivor = start_server(argv, env=env)
    async with connect(f"{survivor.ws}{path}?user=bob") as bob:
        await recv(bob)
        ghost = await connect(f"{doomed.ws}{path}?user=ghost")
        await recv(ghost)
        assert (await recv(bob))["payload"]["joins"][0]["user"] == "ghost"
        assert doomed.process is not None
        os.kill(doomed.process.pid, signal.SIGKILL)  # no goodbye, no disconnect hook
        doomed.process.wait(10)
        diff = await recv_action(bob, "presence_diff", timeout=10)
        assert diff["payload"]["leaves"] == ["ghost"]
        assert diff["payload"]["user_count"] == 1
        await bob.send(json.dumps({"action": "presence_list"}))
        assert users((await recv_action(bob, "presence_state"))["payload"]) == ["bob"]
        ghost.transport.abort()
