"""Faults: Redis outages, a killed server process, hanging handlers and clients that stop reading.

Documented behaviour these tests hold the code to:

* **Redis restarts** (a private ``redis-server`` killed for a few seconds, its data lost): no
  client connection is dropped; frames keep being answered during the outage; a broadcast
  attempted during the outage waits in the sender's outage buffer and arrives after; within 10 s of
  Redis answering again broadcasts reach the same connections (each consumer re-joins its
  groups) and nothing sent after that is lost.
* **Redis stops answering for 12 s** (``CLIENT PAUSE``, reads time out): the same, no
  connection dropped and broadcasts resume.
* **A server process is killed**: its clients see the connection drop; the other process,
  sharing the Redis layer, keeps serving and broadcasting to its own clients.
* **A handler hangs**: ``handler_timeout`` cancels it; the client gets one
  ``{"detail": ...}`` error frame and the connection keeps working.
* **A client stops reading**: the server's memory stays bounded. Its socket buffers fill,
  sending to it waits, and the messages for it wait in its channel-layer queue, which holds
  at most ``capacity`` messages; beyond that, broadcasts to this one connection are dropped
  (and logged). Other connections are not slowed down or affected, and when the client reads
  again it gets what was queued, in order.
"""

from __future__ import annotations

import asyncio
import json
import time
from functools import partial
from typing import Any

import pytest
from reliability_app import HANDLER_TIMEOUT, build_app
from reliability_servers import (
    RawWebSocket,
    RedisServer,
    UvicornServer,
    async_wait_until,
    close_clients,
    open_clients,
    rss_bytes,
)
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from chanx.fast_channels.testing import WebsocketCommunicator, isolated_layer

pytestmark = pytest.mark.asgi


class Listener:
    """Reads one client connection in the background and files what arrives."""

    def __init__(self, client: ClientConnection) -> None:
        self.client = client
        self.items: list[int] = []
        self.frames: list[dict[str, Any]] = []
        self.pongs = 0
        self.task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        try:
            async for text in self.client:
                frame = json.loads(text)
                self.frames.append(frame)
                if frame["action"] == "item":
                    self.items.append(frame["payload"])
                elif frame["action"] == "pong":
                    self.pongs += 1
        except ConnectionClosed:
            pass

    @property
    def closed(self) -> bool:
        return self.task.done()

    def actions(self, action: str) -> list[Any]:
        return [f["payload"] for f in self.frames if f["action"] == action]


async def listen(url: str, count: int) -> list[Listener]:
    """``count`` listeners, each known to be in the group (its first ping was answered)."""
    listeners = [Listener(c) for c in await open_clients(url, count)]
    await ping_all(listeners)
    return listeners


async def ping_all(listeners: list[Listener], timeout: float = 15) -> None:
    """Every listener answers a ping: its connection is open and served."""
    before = [lis.pongs for lis in listeners]
    for lis in listeners:
        await lis.client.send('{"action":"ping"}')
    await async_wait_until(
        lambda: all(lis.pongs > n for lis, n in zip(listeners, before, strict=True)),
        timeout,
        "every connection to answer a ping",
    )


def everyone_has(listeners: list[Listener], item: int) -> bool:
    """Every listener received broadcast ``item``."""
    return all(item in lis.items for lis in listeners)


async def publish(publisher: Listener, n: int) -> dict[str, Any]:
    """Ask for broadcast ``n``; return the publisher's answer (``published`` or ``error``)."""
    seen = len(publisher.frames)
    await publisher.client.send(f'{{"action":"publish","payload":{n}}}')

    def answer() -> dict[str, Any] | None:
        for frame in publisher.frames[seen:]:
            if frame["action"] in ("published", "error"):
                return frame
        return None

    await async_wait_until(lambda: answer() is not None, 15, f"an answer to publish {n}")
    result = answer()
    assert result is not None
    return result


async def broadcasts_resume(publisher: Listener, listeners: list[Listener]) -> float:
    """Probe until one broadcast reaches every listener (within 10 s), then check that 30 more
    arrive everywhere exactly once and in order; return the seconds recovery took."""
    back = time.monotonic()
    probe = 100
    while True:
        probe += 1
        await publish(publisher, probe)
        try:
            await async_wait_until(partial(everyone_has, listeners, probe), 1, "probe")
            break
        except AssertionError:
            assert time.monotonic() - back < 10, "broadcasts did not resume within 10 s"
    recovered_after = time.monotonic() - back
    after = list(range(1000, 1030))
    for n in after:
        assert (await publish(publisher, n))["action"] == "published"
    await async_wait_until(
        lambda: all(lis.items[-len(after) :] == after for lis in listeners),
        20,
        "every broadcast sent after recovery",
    )
    for lis in listeners:
        assert lis.items[lis.items.index(probe) + 1 :] == after  # nothing lost or repeated
    return recovered_after


@pytest.mark.e2e
@pytest.mark.timeout(300)
@pytest.mark.parametrize("kind", ["core", "pubsub"])
async def test_redis_restart_drops_no_connection_and_broadcasts_resume(kind: str) -> None:
    with RedisServer() as redis, UvicornServer(layer=kind, redis_url=redis.url) as server:
        listeners = await listen(f"{server.url}/ws", 150)  # > redis-py's default pool of 100
        publisher = (await listen(f"{server.url}/ws", 1))[0]
        try:
            assert (await publish(publisher, 0))["action"] == "published"
            await async_wait_until(
                lambda: all(lis.items == [0] for lis in listeners), 15, "broadcast 0"
            )

            redis.stop()
            # During the outage: connections stay open and are served; a broadcast waits in
            # the sender's outage buffer (tests/reliability/test_outage_buffer.py).
            answer = await publish(publisher, 1)
            assert answer["action"] == "published", answer
            outage_end = time.monotonic() + 3
            while time.monotonic() < outage_end:
                await ping_all(listeners)
                await asyncio.sleep(0.5)  # the outage lasts ~3 s; connections are probed meanwhile

            redis.start()
            recovered_after = await broadcasts_resume(publisher, listeners)
            assert all(lis.items[:2] == [0, 1] for lis in listeners)  # 1 arrived, once
            assert not any(lis.closed for lis in listeners), "a client connection was dropped"
            await ping_all(listeners)
        finally:
            await close_clients([lis.client for lis in [*listeners, publisher]])
        log = server.stop()
    print(f"broadcasts resumed {recovered_after:.2f}s after Redis returned ({kind})")
    assert recovered_after < 10
    assert "layer" in log  # the outage was logged


@pytest.mark.e2e
@pytest.mark.timeout(300)
async def test_redis_read_timeouts_under_load_drop_no_connection() -> None:
    with RedisServer() as redis:
        # reads time out after 6 s (the layer's blocking read itself waits 5 s)
        url = f"{redis.url}?socket_timeout=6"
        with UvicornServer(layer="core", redis_url=url) as server:
            listeners = await listen(f"{server.url}/ws", 150)
            publisher = (await listen(f"{server.url}/ws", 1))[0]
            try:
                assert (await publish(publisher, 0))["action"] == "published"
                await async_wait_until(partial(everyone_has, listeners, 0), 15, "broadcast 0")
                # Redis keeps connections but answers nothing for 12 s: the blocking read in
                # flight ends after its own 5 s, the next one times out after 6 s
                redis.pause(12)
                paused_until = time.monotonic() + 12
                pending = asyncio.ensure_future(publish(publisher, 1))  # under load: blocked
                while time.monotonic() < paused_until:
                    await ping_all(listeners)  # frames are still served meanwhile
                    await asyncio.sleep(0.5)  # the pause lasts 12 s; connections are probed
                await pending  # answered (published late, or an error after the timeout)
                await broadcasts_resume(publisher, listeners)
                assert not any(lis.closed for lis in listeners), "a client connection was dropped"
                await ping_all(listeners)
            finally:
                await close_clients([lis.client for lis in [*listeners, publisher]])
            log = server.stop()
    assert "receive failed" in log, log[-2000:]  # the reads really timed out
    assert "TimeoutError" in log, log[-2000:]


@pytest.mark.e2e
async def test_killed_server_process_leaves_the_other_serving() -> None:
    with (
        RedisServer() as redis,
        UvicornServer(layer="core", redis_url=redis.url, prefix="shared") as doomed,
        UvicornServer(layer="core", redis_url=redis.url, prefix="shared") as survivor,
    ):
        on_doomed = await listen(f"{doomed.url}/ws", 40)
        on_survivor = await listen(f"{survivor.url}/ws", 40)
        publisher = (await listen(f"{survivor.url}/ws", 1))[0]
        try:
            await publish(publisher, 0)
            await async_wait_until(
                lambda: all(lis.items == [0] for lis in [*on_doomed, *on_survivor]),
                15,
                "broadcast 0 on both processes",
            )
            doomed.kill()
            await async_wait_until(
                lambda: all(lis.closed for lis in on_doomed), 15, "the killed server's clients"
            )
            after = list(range(1, 31))
            for n in after:
                assert (await publish(publisher, n))["action"] == "published"
            await async_wait_until(
                lambda: all(lis.items == [0, *after] for lis in on_survivor),
                20,
                "broadcasts on the surviving process",
            )
            await ping_all(on_survivor)
            assert not any(lis.closed for lis in on_survivor)
        finally:
            await close_clients([lis.client for lis in [*on_doomed, *on_survivor, publisher]])


async def test_hanging_handler_is_bounded_by_handler_timeout() -> None:
    with isolated_layer():
        async with WebsocketCommunicator(build_app(), "/ws") as ws:
            start = asyncio.get_running_loop().time()
            await ws.send_json({"action": "hang", "ref": 7})
            frame = await ws.receive_json(timeout=HANDLER_TIMEOUT * 20)
            took = asyncio.get_running_loop().time() - start
            assert frame["action"] == "error"
            assert frame["ref"] == 7
            assert frame["payload"] == {"detail": "Failed to process message for hang"}
            assert took >= HANDLER_TIMEOUT * 0.9  # it was the timeout, not an early failure
            await ws.send_json({"action": "ping"})
            assert await ws.receive_json() == {"action": "pong", "payload": None}


@pytest.mark.e2e
@pytest.mark.timeout(300)
async def test_client_that_stops_reading_keeps_server_memory_bounded() -> None:
    # 40 MB would pile up for the slow client if nothing bounded it; the bound is the layer's
    # capacity (100 messages, 2 MB) plus socket buffers
    count, size, capacity = 2000, 20_000, 100
    with UvicornServer(capacity=capacity) as server:
        slow = await asyncio.to_thread(RawWebSocket, server.port, "/ws")
        try:
            await asyncio.to_thread(slow.send_text, '{"action":"ping"}')
            assert json.loads(await asyncio.to_thread(slow.recv_text))["action"] == "pong"
            (reader,) = await listen(f"{server.url}/ws", 1)
            assert server.process is not None
            before = rss_bytes(server.process.pid)
            peak = before
            for n in range(count):
                frame = {"action": "publish_blob", "payload": {"n": n, "size": size}}
                await reader.client.send(json.dumps(frame))
                if n % 200 == 0:
                    peak = max(peak, rss_bytes(server.process.pid))
                    await async_wait_until(
                        partial(lambda k: len(reader.actions("blob")) > k, n - 400),
                        30,
                        "the reading client",
                    )
            await async_wait_until(
                lambda: len(reader.actions("blob")) == count, 60, "every blob to the reader"
            )
            peak = max(peak, rss_bytes(server.process.pid))
            # the reading client got everything, in order, while the other did not read
            assert [b["n"] for b in reader.actions("blob")] == list(range(count))
            growth = peak - before
            assert growth < 20_000_000, f"server memory grew by {growth / 1e6:.0f} MB"

            # the slow client is still connected and gets what was queued for it, in order
            def drain() -> list[int]:
                got: list[int] = []
                while True:
                    data = json.loads(slow.recv_text())
                    if data["action"] == "pong":
                        return got
                    got.append(data["payload"]["n"])
                    if len(got) == 1:
                        slow.send_text('{"action":"ping"}')

            got = await asyncio.to_thread(drain)
            # in order, no duplicates, and the oldest ``capacity`` all there: they found the
            # backlog empty. Later ones got in only while it had room: how much the kernel's
            # buffers took at which moment decides where the gaps fall, so a gap may open and
            # close more than once; everything else was dropped
            assert got == sorted(set(got))
            assert got[:capacity] == list(range(capacity))
            assert len(got) < count // 2
            log = server.stop()
        finally:
            slow.close()
            await close_clients([reader.client])
    assert "full" in log  # the drops were logged
