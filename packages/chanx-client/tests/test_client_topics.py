"""Topic handles over a real socket: subscribe, pushes, topic requests, and recovery after the
server drops the connection (resubscribe with the last ``seq``/``epoch``, replay de-duplicated)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from client_servers import AppServer
from topic_client.hub import HubClient
from topic_client.hub_ticker_topic import HubTickerTopicClient, LastReply, Tick

from chanx.client import Backoff, ClientState

pytestmark = [pytest.mark.e2e, pytest.mark.asgi]


async def publish(http: httpx.AsyncClient, server: AppServer, topic: str, value: int) -> None:
    response = await http.post(
        f"http://{server.base}/tick", params={"topic": topic, "value": value}
    )
    response.raise_for_status()


async def test_topic_pushes_requests_and_recovery_after_a_drop(server: AppServer) -> None:
    hub = HubClient(server.base, reconnect=Backoff(initial=0.02, max_delay=0.2, max_retries=None))
    seen: list[int] = []
    ten = asyncio.Event()

    def record(tick: Tick) -> None:
        seen.append(tick.payload)
        if len(seen) == 10:
            ten.set()

    async with hub, httpx.AsyncClient() as http:
        ticker = hub.ticker_topic("ABC")
        assert isinstance(ticker, HubTickerTopicClient)
        assert ticker.topic == "ticker:ABC"
        assert hub.ticker_topic("ABC") is ticker  # one handle per topic
        ticker.on(Tick, record)
        await ticker.subscribe()
        for value in range(1, 6):
            await publish(http, server, "ticker:ABC", value)
        last = await ticker.last()
        assert isinstance(last, LastReply)
        assert last.payload == 5
        assert ticker.last_seq == 5
        assert ticker.epoch == "epoch-1"

        (await http.post(f"http://{server.base}/drop")).raise_for_status()
        await hub.wait_for_state(ClientState.RECONNECTING, timeout=10)
        for value in range(6, 11):  # published while the client is away
            await publish(http, server, "ticker:ABC", value)
        await asyncio.wait_for(ten.wait(), 10)
        assert hub.connections == 2
        assert ticker.recovered is True
        # Nothing after the tenth: no duplicates from the overlapping replay.
        await publish(http, server, "ticker:ABC", 11)
        assert (await ticker.last()).payload == 11
    # The push of 11 precedes the reply to last() on the socket: all eleven, each once.
    assert seen == list(range(1, 12))


async def test_unsubscribed_topic_gets_no_pushes(server: AppServer) -> None:
    async with HubClient(server.base) as hub, httpx.AsyncClient() as http:
        ticker = hub.ticker_topic("XYZ")
        stream = ticker.messages(Tick)
        await ticker.subscribe()
        await publish(http, server, "ticker:XYZ", 1)
        async with asyncio.timeout(10):
            first = await anext(stream)
        assert first.payload == 1
        reply = await ticker.unsubscribe()
        assert reply.action == "unsubscribed"
        await publish(http, server, "ticker:XYZ", 2)
        # Had the push of 2 been delivered, it would have come before this reply.
        assert (await hub.ping()).action == "pong"
    stream.close()
    assert [m async for m in stream] == []
