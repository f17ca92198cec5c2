"""An event's first step runs at once, as the receiving connection's delivery task.

On the in-memory layer an event for an idle connection starts its handler inside the
sender's ``broadcast_event``; the handler must still only ever see its own connection's task
(``current_task``, ``asyncio.timeout``, cancellation), hand anything that waits to that task,
keep the connection's order, and never lose an event, however deep events relay each other.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

import pytest
from core_consumers import LayerConsumer

from chanx.core import InMemoryChannelLayer, event_handler
from chanx.core.testing import WebsocketHarness
from chanx.messages import BaseMessage


class Probe(BaseMessage):
    action: Literal["probe"] = "probe"
    payload: str


class ProbeSeen(BaseMessage):
    action: Literal["probe_seen"] = "probe_seen"
    payload: str


class ProbeConsumer(LayerConsumer):
    groups = ["probes"]
    tasks: ClassVar[list[asyncio.Task[Any] | None]] = []

    @event_handler
    async def probe(self, event: Probe) -> ProbeSeen | None:
        self.tasks.append(asyncio.current_task())
        if event.payload == "timeout":
            try:
                async with asyncio.timeout(0):  # expires before the task can take over
                    await asyncio.sleep(10)
            except TimeoutError:
                return ProbeSeen(payload="timed out")
        elif event.payload == "wait":
            await asyncio.sleep(0)
        elif event.payload == "raise cancelled":
            raise asyncio.CancelledError
        elif event.payload == "cancel own task":
            task = asyncio.current_task()
            assert task is not None
            task.cancel()
            await asyncio.sleep(0)
        return ProbeSeen(payload=event.payload)


@pytest.fixture
def layer() -> Iterator[InMemoryChannelLayer]:
    layer = InMemoryChannelLayer()
    LayerConsumer.layer = layer
    ProbeConsumer.tasks = []
    yield layer
    LayerConsumer.layer = None


async def probe(payload: str) -> None:
    await ProbeConsumer.broadcast_event(Probe(payload=payload))


async def seen(ws: WebsocketHarness) -> str:
    frame = await ws.receive_json()
    assert frame["action"] == "probe_seen"
    return str(frame["payload"])


async def test_a_handler_runs_as_its_own_connections_task(layer: InMemoryChannelLayer) -> None:
    async with WebsocketHarness(ProbeConsumer) as one, WebsocketHarness(ProbeConsumer) as two:
        for name in ("first", "second", "third"):
            await probe(name)
            assert [await seen(one), await seen(two)] == [name, name]
    tasks = ProbeConsumer.tasks
    assert len(tasks) == 6
    assert None not in tasks
    assert asyncio.current_task() not in tasks  # never the sender's
    assert tasks[0] is not tasks[1]  # each connection its own
    assert tasks[0::2] == [tasks[0]] * 3  # and always the same one
    assert tasks[1::2] == [tasks[1]] * 3


async def test_a_timeout_in_a_handler_cancels_the_handler_not_the_sender(
    layer: InMemoryChannelLayer,
) -> None:
    async with WebsocketHarness(ProbeConsumer) as ws:
        await probe("warm up")  # the first event starts the delivery task
        assert await seen(ws) == "warm up"
        await probe("timeout")
        sender = asyncio.current_task()
        assert sender is not None
        assert sender.cancelling() == 0
        assert await seen(ws) == "timed out"
        await probe("after")
        assert await seen(ws) == "after"


async def test_a_handler_that_waits_keeps_the_connections_order(
    layer: InMemoryChannelLayer,
) -> None:
    async with WebsocketHarness(ProbeConsumer) as ws:
        await probe("warm up")
        assert await seen(ws) == "warm up"
        await probe("wait")
        await probe("next")  # arrives while the first one waits: handled after it
        assert [await seen(ws), await seen(ws)] == ["wait", "next"]


@pytest.mark.parametrize("payload", ["raise cancelled", "cancel own task"])
async def test_a_cancelled_handler_does_not_stop_delivery(
    layer: InMemoryChannelLayer, payload: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with WebsocketHarness(ProbeConsumer) as ws:
        await probe("warm up")
        assert await seen(ws) == "warm up"
        with caplog.at_level(logging.WARNING, "chanx.layer"):
            await probe(payload)
        for name in ("after", "and after"):
            await probe(name)
            assert await seen(ws) == name  # the cancelled one sent nothing


class Hop(BaseMessage):
    action: Literal["hop"] = "hop"
    payload: int


class HopSeen(BaseMessage):
    action: Literal["hop_seen"] = "hop_seen"
    payload: int


class RelayConsumer(LayerConsumer):
    """Each connection answers a hop and passes the next one to the next connection."""

    channels: ClassVar[list[str]] = []

    async def post_authentication(self) -> None:
        self.channels.append(self.channel_name)

    @event_handler
    async def hop(self, event: Hop) -> HopSeen:
        following = event.payload + 1
        if following < len(self.channels):
            await RelayConsumer.send_event(Hop(payload=following), self.channels[following])
        return HopSeen(payload=event.payload)


async def test_events_relayed_far_beyond_the_recursion_limit_all_arrive(
    layer: InMemoryChannelLayer,
) -> None:
    # each relay starts the next connection's handler inside its own; nested without bound,
    # 150 of them would exceed Python's recursion limit and lose the rest of the chain
    count = 150
    RelayConsumer.channels = []
    clients = [WebsocketHarness(RelayConsumer) for _ in range(count)]
    for client in clients:
        await client.__aenter__()
    try:
        # a hop past the end starts each delivery task, so every later first step is eager
        for channel in RelayConsumer.channels:
            await RelayConsumer.send_event(Hop(payload=count), channel)
        for client in clients:
            assert (await client.receive_json())["payload"] == count
        await RelayConsumer.send_event(Hop(payload=0), RelayConsumer.channels[0])
        for index, client in enumerate(clients):
            assert await client.receive_json() == {"action": "hop_seen", "payload": index}
    finally:
        for client in clients:
            await client.__aexit__()


class DispatchSeer(ProbeConsumer):
    seen: ClassVar[list[str]] = []

    async def dispatch(self, message: Any) -> None:
        self.seen.append(f"dispatch {message['type']}")
        await super().dispatch(message)


class EventSeer(ProbeConsumer):
    seen: ClassVar[list[str]] = []

    async def chanx_event(self, message: Any) -> None:
        self.seen.append(f"chanx_event {message['key']}")
        await super().chanx_event(message)


@pytest.mark.parametrize(
    ("consumer", "expected"),
    [(DispatchSeer, "dispatch chanx.event"), (EventSeer, "chanx_event probe")],
)
async def test_an_overridden_dispatch_or_chanx_event_sees_every_event(
    layer: InMemoryChannelLayer, consumer: Any, expected: str
) -> None:
    consumer.seen = []
    async with WebsocketHarness(consumer) as ws:
        for name in ("first", "second"):  # the second one's first step runs at once
            await probe(name)
            assert await seen(ws) == name
    assert consumer.seen == [expected, expected]


class LoopProbe(ProbeConsumer):
    loops: ClassVar[list[asyncio.AbstractEventLoop]] = []

    @event_handler
    async def probe(self, event: Probe) -> ProbeSeen | None:
        self.loops.append(asyncio.get_running_loop())
        return ProbeSeen(payload=event.payload)


async def test_an_event_sent_from_another_threads_loop_runs_on_the_connections_loop(
    layer: InMemoryChannelLayer,
) -> None:
    # the layer hands a send from a worker thread's loop (async_to_sync, *_sync callers) to
    # the loop that owns the connection: the first step never runs in the sender's thread
    LoopProbe.loops = []
    async with WebsocketHarness(LoopProbe) as ws:
        for name in ("first", "second"):  # the second finds the delivery task waiting
            await asyncio.to_thread(asyncio.run, LoopProbe.broadcast_event(Probe(payload=name)))
            assert await seen(ws) == name
    assert LoopProbe.loops == [asyncio.get_running_loop()] * 2
