"""Broadcasts sent during a Redis outage: none lost, none repeated; past the bound, reported.

Two uvicorn processes share a private ``redis-server`` (no persistence). 50 live connections
(25 per process) receive a broadcast every 50 ms, published by a client of the first process.
Redis is killed, stays down 3 s or 8 s, and comes back empty. Every receiver must end with
every broadcast exactly once, in order (counted per receiver by the broadcast's number). A
server whose outage bound is shorter than the outage reports the drop in its log and in
``chanx_layer_send_dropped_total``. A plain script in a third process publishes events with
``broadcast_event_sync`` during an outage and exits; they arrive too.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import urllib.request
from typing import Any

import pytest
from reliability_servers import (
    HERE,
    RedisServer,
    UvicornServer,
    async_wait_until,
    close_clients,
    open_clients,
)
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

pytestmark = [pytest.mark.asgi, pytest.mark.redis, pytest.mark.e2e]

RECEIVERS = 50
INTERVAL = 0.05


class Receiver:
    """Files the numbers of the ``item`` frames one connection receives."""

    def __init__(self, client: ClientConnection) -> None:
        self.client = client
        self.items: list[int] = []
        self.answers: list[dict[str, Any]] = []
        self.task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        try:
            async for text in self.client:
                frame = json.loads(text)
                if frame["action"] == "item":
                    self.items.append(frame["payload"])
                else:
                    self.answers.append(frame)
        except ConnectionClosed:
            pass


async def receivers(url: str, count: int) -> list[Receiver]:
    """``count`` receivers, each known to be in the group (a ping was answered)."""
    found = [Receiver(c) for c in await open_clients(url, count)]
    for r in found:
        await r.client.send('{"action":"ping"}')
    await async_wait_until(
        lambda: all(r.answers for r in found), 15, "every receiver to answer a ping"
    )
    return found


def pair(redis: RedisServer, prefix: str, **env: str) -> tuple[UvicornServer, UvicornServer]:
    return (
        UvicornServer(layer="core", redis_url=redis.url, prefix=prefix, extra_env=env),
        UvicornServer(layer="core", redis_url=redis.url, prefix=prefix),
    )


async def publish_through(publisher: Receiver, redis: RedisServer, outage: float) -> int:
    """Publish every ``INTERVAL`` for 1 s, kill Redis for ``outage`` s, publish 1 s more.

    Returns how many broadcasts were published (numbered from 0).
    """
    loop = asyncio.get_running_loop()
    n = 0
    start = loop.time()
    phases = [(1.0, None), (outage, redis.stop), (1.0, redis.start)]
    for seconds, action in phases:
        if action is not None:
            await asyncio.to_thread(action)
        end = loop.time() + seconds
        while loop.time() < end:
            await publisher.client.send(f'{{"action":"publish","payload":{n}}}')
            n += 1
            # a fixed cadence, not a wait for anything: the load the issue describes
            await asyncio.sleep(max(0.0, start + n * INTERVAL - loop.time()))
    return n


def published(publisher: Receiver) -> list[int]:
    return [a["payload"] for a in publisher.answers if a["action"] == "published"]


@pytest.mark.timeout(90)
@pytest.mark.parametrize("outage", [3.0, 8.0])
async def test_an_outage_loses_and_repeats_no_broadcast(outage: float) -> None:
    with RedisServer() as redis:
        first, second = pair(redis, f"chanx-ob-{os.getpid()}-{redis.port}")
        with first, second:
            listeners = [
                *await receivers(f"{first.url}/ws", RECEIVERS // 2),
                *await receivers(f"{second.url}/ws", RECEIVERS // 2),
            ]
            publisher = (await receivers(f"{first.url}/ws", 1))[0]
            try:
                count = await publish_through(publisher, redis, outage)
                expected = list(range(count))
                await async_wait_until(
                    lambda: all(len(r.items) >= count for r in listeners),
                    outage + 20,
                    f"all {count} broadcasts at every receiver",
                )
                await async_wait_until(
                    lambda: len(published(publisher)) >= count, 10, "every publish answered"
                )
                errors = [a for a in publisher.answers if a["action"] == "error"]
                assert errors == []
                for r in listeners:  # exactly once each, in the order sent
                    assert r.items == expected
                assert not any(r.task.done() for r in listeners), "a connection was dropped"
            finally:
                await close_clients([r.client for r in [*listeners, publisher]])
            log = first.stop()
    assert "buffering sends" in log
    assert "channel layer send dropped" not in log


def metric(url: str, name: str) -> dict[str, float]:
    """The samples of ``name`` at ``url`` (``/metrics``), by their label text."""
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(name + "{"):
            labels, value = line[len(name) :].rsplit(" ", 1)
            samples[labels] = float(value)
    return samples


@pytest.mark.timeout(60)
async def test_an_outage_longer_than_the_bound_reports_the_drop() -> None:
    with RedisServer() as redis:
        first, second = pair(
            redis,
            f"chanx-ob-{os.getpid()}-{redis.port}",
            CHANX_REL_OUTAGE_MAX_AGE="1",
            CHANX_REL_METRICS="1",
        )
        with first, second:
            listeners = await receivers(f"{second.url}/ws", 5)
            publisher = (await receivers(f"{first.url}/ws", 1))[0]
            try:
                redis.stop()
                for n in range(5):
                    await publisher.client.send(f'{{"action":"publish","payload":{n}}}')
                await async_wait_until(
                    lambda: len(published(publisher)) >= 5, 10, "the publishes answered"
                )
                http = f"http://127.0.0.1:{first.port}/metrics"
                dropped = "chanx_layer_send_dropped_total"
                await async_wait_until(
                    lambda: sum(metric(http, dropped).values()) >= 5, 10, "the drop counted"
                )
                assert metric(http, dropped) == {
                    '{consumer="ReliableConsumer",operation="group_send",reason="expired"}': 5.0
                }
                redis.start()
                # after the outage, new broadcasts flow; the expired ones never arrive late
                loop = asyncio.get_running_loop()
                deadline = loop.time() + 20
                n = 100
                while not all(r.items for r in listeners):
                    assert loop.time() < deadline, "broadcasts did not resume"
                    await publisher.client.send(f'{{"action":"publish","payload":{n}}}')
                    n += 1
                    await asyncio.sleep(0.2)  # a probe cadence; the wait above is the check
                assert all(min(r.items) >= 100 for r in listeners)
            finally:
                await close_clients([r.client for r in [*listeners, publisher]])
            log = first.stop()
    assert "channel layer send dropped: 5 message(s), reason expired" in log


SCRIPT = """
import sys, time
from chanx.fast_channels.layers import setup_layers
from reliability_app import NotifyEvent, ReliableConsumer

setup_layers(sys.argv[1], prefix=sys.argv[2], probe=False)
for n in range(int(sys.argv[3])):
    ReliableConsumer.broadcast_event_sync(NotifyEvent(payload=n))
    time.sleep(0.05)
print("sent", flush=True)
"""


@pytest.mark.timeout(60)
async def test_events_from_another_process_survive_an_outage() -> None:
    with RedisServer() as redis:
        prefix = f"chanx-ob-{os.getpid()}-{redis.port}"
        with UvicornServer(layer="core", redis_url=redis.url, prefix=prefix) as server:
            listeners = await receivers(f"{server.url}/ws", 10)
            try:
                redis.stop()
                env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path])}
                script = await asyncio.create_subprocess_exec(
                    sys.executable, "-c", SCRIPT, redis.url, prefix, "40",
                    env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                )  # fmt: skip
                assert script.stdout is not None
                # every call returned during the outage: the events wait in its buffer
                async with asyncio.timeout(20):
                    assert await script.stdout.readline() == b"sent\n"
                await asyncio.to_thread(redis.start)
                # the script is exiting: it drains its buffer first (bounded by max_age)
                async with asyncio.timeout(20):
                    _, err = await script.communicate()
                assert script.returncode == 0, err.decode()
                await async_wait_until(
                    lambda: all(len(r.items) >= 40 for r in listeners), 15, "all 40 events"
                )
                for r in listeners:
                    assert r.items == list(range(40))
            finally:
                await close_clients([r.client for r in listeners])
