"""The generated Python client on real chanx topics (uvicorn, ``client_topic_app``).

Subscribe, live pushes, a topic request, and a server restart in the middle: the server is
killed (SIGKILL), ticks are published while it is down (``TickerTopic.broadcast`` from this
process: the history is in Redis), the server comes back, and the client reconnects,
resubscribes with its last ``seq``/``epoch`` and gets exactly the missed ticks, in order, then
live ones: every tick counted once.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from client_servers import AppServer
from client_topic_app import Tick as ServerTick
from client_topic_app import TickerTopic
from topic_client.hub import HubClient
from topic_client.hub_ticker_topic import HubTickerTopicClient, LastReply, Tick

from chanx.client import Backoff, ClientState

pytestmark = [pytest.mark.e2e, pytest.mark.asgi, pytest.mark.redis]


async def publish(http: httpx.AsyncClient, server: AppServer, topic: str, value: int) -> None:
    response = await http.post(
        f"http://{server.base}/tick", params={"topic": topic, "value": value}
    )
    response.raise_for_status()


async def test_restart_resubscribes_and_recovers_every_missed_tick_once(
    topic_server: AppServer,
) -> None:
    server = topic_server
    hub = HubClient(server.base, reconnect=Backoff(initial=0.02, max_delay=0.2, max_retries=None))
    counts: Counter[int] = Counter()
    order: list[int] = []
    reached = {n: asyncio.Event() for n in (5, 30, 31)}

    def record(tick: Tick) -> None:
        counts[tick.payload] += 1
        order.append(tick.payload)
        if tick.payload in reached:
            reached[tick.payload].set()

    async with hub, httpx.AsyncClient() as http:
        ticker = hub.ticker_topic("ABC")
        assert isinstance(ticker, HubTickerTopicClient)
        assert ticker.topic == "ticker:ABC"
        assert hub.ticker_topic("ABC") is ticker  # one handle per topic
        ticker.on(Tick, record)
        subscribed = await ticker.subscribe()
        assert subscribed.action == "subscribed"
        assert subscribed.payload["recovered"] is False  # nothing to recover the first time
        epoch = ticker.epoch
        assert isinstance(epoch, str)
        assert epoch
        for value in range(1, 6):
            await publish(http, server, "ticker:ABC", value)
        await asyncio.wait_for(reached[5].wait(), 10)
        last = await ticker.last()
        assert isinstance(last, LastReply)
        assert last.payload == 5
        seq_before = ticker.last_seq
        assert seq_before is not None

        server.kill()
        await hub.wait_for_state(ClientState.RECONNECTING, timeout=10)
        for value in range(6, 31):  # published while the server is down
            await TickerTopic.broadcast("ticker:ABC", ServerTick(payload=value))
        server.start()
        await asyncio.wait_for(reached[30].wait(), 20)
        assert hub.connections == 2
        assert ticker.recovered is True
        assert ticker.epoch == epoch  # the same stream: the history survived the restart
        assert ticker.last_seq == seq_before + 25
        await publish(http, server, "ticker:ABC", 31)
        await asyncio.wait_for(reached[31].wait(), 10)
        # the new server's subscription replayed 6..30 through its handler, then 31 live
        assert (await ticker.last()).payload == 31
    assert order == list(range(1, 32))
    assert set(counts.values()) == {1}


async def test_unsubscribed_topic_gets_no_pushes(topic_server: AppServer) -> None:
    server = topic_server
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
