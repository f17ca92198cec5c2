"""Load, nothing lost: counted round trips and broadcasts through a real uvicorn server.

* 200 connections x 200 request/reply round trips: every request gets exactly one reply, in
  order per connection, and nothing else arrives.
* 500 connections each receive all of 100 broadcasts exactly once and in order, with the
  in-memory layer, the Redis channel layer and the Redis pub/sub layer (a private
  redis-server, more than 100 connections: redis-py's default pool cap would refuse them).

Counts are bounded and everything targets 127.0.0.1; the clients run in the test process.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from reliability_servers import (
    RedisServer,
    UvicornServer,
    close_clients,
    open_clients,
)
from websockets.asyncio.client import ClientConnection

pytestmark = [pytest.mark.e2e, pytest.mark.asgi]

CONNECTIONS = 200
ROUND_TRIPS = 200
LISTENERS = 500
BROADCASTS = 100


async def assert_quiet(client: ClientConnection) -> None:
    """Nothing is pending on ``client``: a ping's pong is the very next frame."""
    await client.send('{"action":"ping"}')
    assert json.loads(await asyncio.wait_for(client.recv(), 30))["action"] == "pong"


async def round_trips(client: ClientConnection, offset: int) -> int:
    """``ROUND_TRIPS`` numbered echoes in lockstep; returns how many came back right."""
    for i in range(offset, offset + ROUND_TRIPS):
        await client.send(f'{{"action":"echo","payload":{i}}}')
        reply = json.loads(await asyncio.wait_for(client.recv(), 30))
        assert reply == {"action": "echo_reply", "payload": i}, reply
    await assert_quiet(client)
    return ROUND_TRIPS


async def test_every_request_gets_exactly_one_reply_in_order() -> None:
    with UvicornServer() as server:
        clients = await open_clients(f"{server.url}/ws", CONNECTIONS)
        try:
            counts = await asyncio.gather(
                *(round_trips(c, n * 1_000_000) for n, c in enumerate(clients))
            )
        finally:
            await close_clients(clients)
        log = server.stop()
    assert sum(counts) == CONNECTIONS * ROUND_TRIPS
    assert "Traceback" not in log, log[-3000:]


async def collect_items(client: ClientConnection, count: int) -> list[int]:
    """The payloads of the next ``count`` ``item`` frames (other frames are not expected)."""
    items: list[int] = []
    while len(items) < count:
        frame = json.loads(await asyncio.wait_for(client.recv(), 60))
        assert frame["action"] == "item", frame
        items.append(frame["payload"])
    return items


async def broadcast_run(url: str) -> None:
    listeners = await open_clients(f"{url}/ws", LISTENERS)
    try:
        # A ping is handled after connect() returned, so its pong proves the group was joined
        # (the handshake itself completes before group_add's round trip to Redis).
        await asyncio.gather(*(assert_quiet(c) for c in listeners))
        receivers = [asyncio.ensure_future(collect_items(c, BROADCASTS)) for c in listeners]
        async with asyncio.timeout(30):
            publisher = (await open_clients(f"{url}/ws", 1))[0]
        # publish pipelined: the publisher does not wait for replies
        for n in range(BROADCASTS):
            await publisher.send(f'{{"action":"publish","payload":{n}}}')
        acks: list[int] = []
        items: list[int] = []
        while len(acks) < BROADCASTS or len(items) < BROADCASTS:
            frame = json.loads(await asyncio.wait_for(publisher.recv(), 60))
            (acks if frame["action"] == "published" else items).append(frame["payload"])
        assert acks == list(range(BROADCASTS))
        assert items == list(range(BROADCASTS))
        received = await asyncio.gather(*receivers)
        for got in received:
            assert got == list(range(BROADCASTS))  # all of them, once each, in order
        await asyncio.gather(*(assert_quiet(c) for c in listeners))  # and nothing more
        await publisher.close()
    finally:
        await close_clients(listeners)


@pytest.fixture(scope="module")
def private_redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.mark.parametrize("layer", ["memory", "core", "pubsub"])
async def test_every_listener_gets_every_broadcast_once_in_order(
    layer: str, request: pytest.FixtureRequest
) -> None:
    url = ""
    if layer != "memory":
        url = request.getfixturevalue("private_redis").url
    with UvicornServer(layer=layer, redis_url=url) as server:
        await broadcast_run(server.url)
        log = server.stop()
    assert "Traceback" not in log, log[-3000:]
