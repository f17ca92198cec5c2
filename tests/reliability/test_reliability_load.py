"""Load, nothing lost: counted round trips and broadcasts through a real uvicorn server.

* 200 connections x 200 request/reply round trips: every request gets exactly one reply, in
  order per connection, and nothing else arrives.
* 500 connections each receive all of 100 broadcasts exactly once and in order, with the
  in-memory layer and the Redis channel layer (a private redis-server, more than 100
  connections: redis-py's default pool cap would refuse them). The pub/sub layer is loaded
  in the fault tests.

Waits are generous (a shared CI machine can be slow); no figure here is a timing target.

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
WINDOW = 20


async def assert_quiet(client: ClientConnection) -> None:
    """Nothing is pending on ``client``: a ping's pong is the very next frame."""
    await client.send('{"action":"ping"}')
    assert json.loads(await asyncio.wait_for(client.recv(), 120))["action"] == "pong"


async def round_trips(client: ClientConnection, offset: int) -> int:
    """``ROUND_TRIPS`` numbered echoes in lockstep; returns how many came back right."""
    for i in range(offset, offset + ROUND_TRIPS):
        await client.send(f'{{"action":"echo","payload":{i}}}')
        reply = json.loads(await asyncio.wait_for(client.recv(), 120))
        assert reply == {"action": "echo_reply", "payload": i}, reply
    await assert_quiet(client)
    return ROUND_TRIPS


@pytest.mark.timeout(300)
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


async def collect_items(client: ClientConnection, count: int, into: list[int]) -> list[int]:
    """Append the payloads of the next ``count`` ``item`` frames to ``into`` (nothing else may
    arrive)."""
    while len(into) < count:
        frame = json.loads(await asyncio.wait_for(client.recv(), 120))
        assert frame["action"] == "item", frame
        into.append(frame["payload"])
    return into


async def broadcast_run(url: str) -> None:
    listeners = await open_clients(f"{url}/ws", LISTENERS)
    try:
        # every connection is served (and, its handshake being complete, in the group)
        await asyncio.gather(*(assert_quiet(c) for c in listeners))
        progress: list[list[int]] = [[] for _ in listeners]
        receivers = [
            asyncio.ensure_future(collect_items(c, BROADCASTS, into))
            for c, into in zip(listeners, progress, strict=True)
        ]
        async with asyncio.timeout(120):
            publisher = (await open_clients(f"{url}/ws", 1))[0]
        # Publish without waiting for replies, at most WINDOW broadcasts ahead of the slowest
        # listener: sustained load, not an unbounded backlog (the Redis layer expires messages
        # left undelivered for 60 s, by design).
        for n in range(BROADCASTS):
            while n - min(len(p) for p in progress) >= WINDOW:
                await asyncio.sleep(0.005)
                assert not any(r.done() and r.exception() for r in receivers)
            await publisher.send(f'{{"action":"publish","payload":{n}}}')
        acks: list[int] = []
        items: list[int] = []
        while len(acks) < BROADCASTS or len(items) < BROADCASTS:
            frame = json.loads(await asyncio.wait_for(publisher.recv(), 120))
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


@pytest.mark.timeout(300)
@pytest.mark.parametrize("layer", ["memory", "core"])
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
