"""The mixins on topics and the presence grace period, over a real uvicorn server and Redis.

Two ``room:{id}`` topics multiplexed on one socket get presence, typing and rate limits each;
a user who reconnects within ``presence_grace`` is announced neither as left nor as joined (on
rooms and on topics), one who does not is announced as left once the grace period is over.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.asgi]

GRACE = 2.0


@pytest.fixture
async def prefix(redis_url: str) -> AsyncIterator[str]:
    """A fresh key prefix, its keys deleted after the test (never the whole database)."""
    import redis.asyncio as aioredis

    name = f"chanx-topic-mixins-e2e-{uuid.uuid4().hex[:10]}"
    yield name
    client = aioredis.Redis.from_url(redis_url)
    async for key in client.scan_iter(match=f"{name}*"):
        await client.delete(key)
    await client.aclose()


async def recv(ws: ClientConnection, timeout: float = 5) -> Any:
    async with asyncio.timeout(timeout):
        return json.loads(await ws.recv(decode=True))


async def nothing(ws: ClientConnection, timeout: float) -> bool:
    """True when no frame arrives within ``timeout`` seconds."""
    try:
        frame = await recv(ws, timeout)
    except TimeoutError:
        return True
    raise AssertionError(f"unexpected frame {frame}")


async def subscribe(ws: ClientConnection, topic: str) -> list[str]:
    """Subscribe; the users of the presence state that follows ``subscribed``."""
    await ws.send(json.dumps({"topic": topic, "action": "subscribe", "ref": topic}))
    reply = await recv(ws)
    assert (reply["action"], reply["topic"], reply["ref"]) == ("subscribed", topic, topic)
    state = await recv(ws)
    assert (state["action"], state["topic"]) == ("presence_state", topic)
    return [u["user"] for u in state["payload"]["users"]]


def server(start_server: Any, uvicorn_cmd: Any, redis_url: str, prefix: str) -> Any:
    env = {
        "REDIS_URL": redis_url,
        "MIXINS_PREFIX": prefix,
        "PRESENCE_TTL": "30",
        "PRESENCE_GRACE": str(GRACE),
    }
    return start_server(uvicorn_cmd("mixins_e2e_app:app"), env=env)


async def test_two_topics_on_one_socket_have_presence_typing_and_buckets_each(
    start_server: Any, uvicorn_cmd: Any, redis_url: str, prefix: str
) -> None:
    srv = server(start_server, uvicorn_cmd, redis_url, prefix)
    async with (
        connect(f"{srv.ws}/hub?user=alice") as alice,
        connect(f"{srv.ws}/hub?user=bob") as bob,
    ):
        assert await subscribe(alice, "room:1") == ["alice"]
        assert await subscribe(alice, "room:2") == ["alice"]
        assert await subscribe(bob, "room:2") == ["alice", "bob"]
        diff = await recv(alice)
        assert (diff["action"], diff["topic"]) == ("presence_diff", "room:2")
        assert [u["user"] for u in diff["payload"]["joins"]] == ["bob"]

        await alice.send(json.dumps({"topic": "room:1", "action": "typing_start"}))
        await alice.send(json.dumps({"topic": "room:2", "action": "typing_start"}))
        typing = await recv(bob)  # only room:2's: bob is not in room:1
        assert (typing["action"], typing["topic"]) == ("typing_users", "room:2")
        assert typing["payload"]["typists"] == ["alice"]

        # room:1's bucket (3 tokens) is spent by its typing_start and two more frames
        for i in range(3):
            await alice.send(json.dumps({"topic": "room:1", "action": "typing_stop", "ref": i}))
        limited = await recv(alice)
        assert (limited["action"], limited["topic"], limited["ref"]) == ("error", "room:1", 2)
        assert limited["payload"][0]["type"] == "rate_limited"
        # room:2 has its own bucket: its stop still goes through
        await alice.send(json.dumps({"topic": "room:2", "action": "typing_stop"}))
        stopped = await recv(bob)
        assert (stopped["topic"], stopped["payload"]["typists"]) == ("room:2", [])

        await bob.send(json.dumps({"topic": "room:2", "action": "unsubscribe"}))
        assert (await recv(bob))["action"] == "unsubscribed"


async def test_topic_reconnect_within_grace_is_neither_leave_nor_join(
    start_server: Any, uvicorn_cmd: Any, redis_url: str, prefix: str
) -> None:
    srv = server(start_server, uvicorn_cmd, redis_url, prefix)
    async with connect(f"{srv.ws}/hub?user=watcher") as watcher:
        await subscribe(watcher, "room:1")
        await subscribe(watcher, "room:2")
        async with connect(f"{srv.ws}/hub?user=alice") as alice:
            await subscribe(alice, "room:1")
            await subscribe(alice, "room:2")
        joins = [await recv(watcher) for _ in range(2)]
        assert sorted(j["topic"] for j in joins) == ["room:1", "room:2"]
        async with connect(f"{srv.ws}/hub?user=alice") as alice:  # a reload: back at once
            assert "alice" in await subscribe(alice, "room:1")
            assert "alice" in await subscribe(alice, "room:2")
            # past the first socket's grace period: still neither a leave nor a join
            assert await nothing(watcher, GRACE + 1)
        left_at = time.monotonic()
        leaves = [await recv(watcher, GRACE + 5) for _ in range(2)]  # gone for good
        assert time.monotonic() - left_at >= GRACE * 0.9  # not before the grace period
        assert sorted((f["topic"], tuple(f["payload"]["leaves"])) for f in leaves) == [
            ("room:1", ("alice",)),
            ("room:2", ("alice",)),
        ]


async def test_room_reconnect_within_grace_is_neither_leave_nor_join(
    start_server: Any, uvicorn_cmd: Any, redis_url: str, prefix: str
) -> None:
    srv = server(start_server, uvicorn_cmd, redis_url, prefix)
    async with connect(f"{srv.ws}/ws/lobby?user=watcher") as watcher:
        assert (await recv(watcher))["action"] == "presence_state"
        async with connect(f"{srv.ws}/ws/lobby?user=alice") as alice:
            assert (await recv(alice))["action"] == "presence_state"
        join = await recv(watcher)
        assert [u["user"] for u in join["payload"]["joins"]] == ["alice"]
        async with connect(f"{srv.ws}/ws/lobby?user=alice") as alice:
            state = await recv(alice)
            assert [u["user"] for u in state["payload"]["users"]] == ["watcher", "alice"]
            assert await nothing(watcher, GRACE + 1)
        left_at = time.monotonic()
        leave = await recv(watcher, GRACE + 5)
        assert time.monotonic() - left_at >= GRACE * 0.9
        assert (leave["action"], leave["payload"]["leaves"]) == ("presence_diff", ["alice"])
