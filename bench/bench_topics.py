"""Topics: fan-out of one topic publish, and the cost of a publish with recovery on and off.

Run: ``hatch run bench:run topics``. In process (the driver of
:mod:`bench.bench_asgi_dispatch`), N connections to a FastAPI app subscribe to one topic;
the clock stops when every connection has its frame. Reference, measured in the same run: the
hand-written endpoint of :mod:`bench._asgi_apps`, whose broadcast is a plain loop over its
sockets (``bench.bench_fanout``). Samples are paired: each round has every topic's subscribers
and the reference's connections open at once and alternates their broadcasts. Three topics:

* ``passthrough`` (the event is one of the topic's ``passthrough_events``): the publisher
  serializes and stamps the frame once, every subscriber hands the same text to its socket
  (target <= 1.3x the loop at 1,000);
* ``passthrough_recovery``: the same with ``recovery = True`` (in-memory history);
* ``handler``: an ``@event_handler`` returning the event: each subscriber validates it, runs
  the handler and encodes and stamps its own frame, as ``broadcast_event`` receivers do.

Publish cost: microseconds per ``Topic.broadcast`` to a topic with one subscriber, recovery off
(layer only), on with the in-memory history, and on with the Redis history (at
``CHANX_BENCH_REDIS_URL``, default ``redis://127.0.0.1:6379/0``; keys under a unique prefix,
deleted afterwards).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Literal

from fastapi import FastAPI

from bench._asgi_apps import build_app
from bench._knobs import size
from bench.bench_asgi_dispatch import Driver
from bench.bench_fanout import _close, _open, _timed, _trigger, rotated
from chanx.core.decorators import event_handler
from chanx.core.history import HistoryStore, InMemoryHistoryStore
from chanx.core.topic import Topic
from chanx.fast_channels.layers import setup_layers
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage

SIZES = (size(200, 10), size(1000, 20))
ROUNDS = size(5, 1)
REPEAT = size(5, 1)
PUBLISHES = size(2000, 20)
REDIS_URL = os.environ.get("CHANX_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
_LOOP = "loop"  # the hand-written endpoint's samples


class Item(BaseMessage):
    action: Literal["item"] = "item"
    payload: int


class FeedTopic(Topic[Item]):
    pattern = "feed:{name}"

    @event_handler
    async def on_item(self, event: Item) -> Item:
        return event


class RecoveringFeed(FeedTopic):
    pattern = "rfeed:{name}"
    recovery = True
    history: ClassVar[HistoryStore | None] = InMemoryHistoryStore()


class PassthroughFeed(Topic[Item]):
    pattern = "pfeed:{name}"
    passthrough_events = [Item]


class RecoveringPassthroughFeed(PassthroughFeed):
    pattern = "prfeed:{name}"
    recovery = True
    history: ClassVar[HistoryStore | None] = InMemoryHistoryStore()


FANOUTS: dict[str, tuple[type[Topic[Item]], str]] = {
    "passthrough": (PassthroughFeed, "pfeed:1"),
    "passthrough_recovery": (RecoveringPassthroughFeed, "prfeed:1"),
    "handler": (FeedTopic, "feed:1"),
}


class TopicBench(AsyncJsonWebsocketConsumer):
    topics = [FeedTopic, RecoveringFeed, PassthroughFeed, RecoveringPassthroughFeed]


def topic_app() -> FastAPI:
    app = FastAPI()
    app.add_api_websocket_route("/topics", TopicBench.as_asgi())
    return app


async def _subscribed(app: Any, count: int, topic: str) -> list[Driver]:
    drivers = [Driver(app, "/topics") for _ in range(count)]
    for driver in drivers:
        await driver.__aenter__()
        await driver.send_text(f'{{"topic":"{topic}","action":"subscribe"}}')
    for driver in drivers:
        await driver.receive_text()
    return drivers


def _topic_trigger(kind: str) -> Callable[[], Awaitable[None]]:
    """One publish of ``kind``'s topic."""
    topic_class, topic = FANOUTS[kind]

    async def publish() -> None:
        await topic_class.broadcast(topic, Item(payload=1))

    return publish


async def _round(app: Any, hand_app: Any, count: int, round_: int) -> dict[str, list[float]]:
    """One round of paired samples: every topic's subscribers and the hand-written endpoint's
    connections open at once, their timed broadcasts alternated, opened and timed in the
    order :func:`~bench.bench_fanout.rotated` gives round ``round_`` (as ``bench_fanout``
    does)."""
    opened: dict[str, list[Driver]] = {}
    for kind in rotated([*FANOUTS, _LOOP], round_):
        if kind == _LOOP:
            opened[kind] = await _open(hand_app, "/hand", count)
        else:
            opened[kind] = await _subscribed(app, count, FANOUTS[kind][1])
    triggers = {kind: _topic_trigger(kind) for kind in FANOUTS}
    triggers[_LOOP] = _trigger("/hand", opened[_LOOP], event=False)
    samples: dict[str, list[float]] = {kind: [] for kind in opened}
    try:
        for kind in opened:
            await _timed(opened[kind], triggers[kind])  # warm-up
        for _ in range(REPEAT):
            for kind in opened:
                samples[kind].append(await _timed(opened[kind], triggers[kind]))
    finally:
        for drivers in opened.values():
            await _close(drivers)
    return samples


async def _publish_cost(topic_class: type[FeedTopic], topic: str) -> float:
    drivers = await _subscribed(topic_app(), 1, topic)
    try:
        start = time.perf_counter()
        for i in range(PUBLISHES):  # lockstep: a subscriber's backlog is bounded
            await topic_class.broadcast(topic, Item(payload=i))
            await drivers[0].receive_text()
        return (time.perf_counter() - start) / PUBLISHES
    finally:
        await drivers[0].__aexit__()


async def run() -> dict[str, float]:
    """Every figure of this benchmark."""
    setup_layers(None)
    results: dict[str, float] = {}
    app, hand_app = topic_app(), build_app()
    for count in SIZES:
        samples: dict[str, list[float]] = {kind: [] for kind in (*FANOUTS, _LOOP)}
        for round_ in range(ROUNDS):
            for kind, values in (await _round(app, hand_app, count, round_)).items():
                samples[kind].extend(values)
        loop = statistics.median(samples[_LOOP])
        results[f"topic_publish_memory_{count}_loop_ms"] = loop * 1e3
        for kind in FANOUTS:
            median = statistics.median(samples[kind])
            results[f"topic_publish_memory_{count}_{kind}_ms"] = median * 1e3
            results[f"topic_publish_memory_{count}_{kind}_ratio"] = median / loop
    results["publish_recovery_off_us"] = await _publish_cost(FeedTopic, "feed:p") * 1e6
    results["publish_recovery_memory_us"] = await _publish_cost(RecoveringFeed, "rfeed:p") * 1e6
    try:
        from chanx.core.history_redis import RedisHistoryStore

        store = RedisHistoryStore(REDIS_URL, prefix=f"chanx-bench-{uuid.uuid4().hex[:8]}")
        RecoveringFeed.history = store
        try:
            results["publish_recovery_redis_us"] = (
                await _publish_cost(RecoveringFeed, "rfeed:r") * 1e6
            )
            await store.delete("rfeed:r")
        finally:
            await store.close()
    except (ImportError, OSError) as exc:
        print(f"  (Redis history figure skipped: {exc})")
    return results


def main() -> dict[str, float]:
    """Run and print the table."""
    results = asyncio.run(run())
    print(f"topics, in process (median of {ROUNDS} interleaved rounds)")
    for key, value in results.items():
        print(f"  {key:48s} {value:10.2f}")
    return results


if __name__ == "__main__":
    main()
