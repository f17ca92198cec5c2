"""Fan-out on the Django binding, in process: chanx-django against a hand-written Channels loop.

Run: ``hatch run bench:run django_fanout``. N connections to a Channels ``URLRouter`` (no
sockets; the driver of :mod:`bench.bench_asgi_dispatch`); one connection sends ``publish`` and
the clock stops when every connection has its frame.

* chanx: ``broadcast_message`` through ``chanx.core.layers.InMemoryChannelLayer`` configured as
  the Channels ``BACKEND`` (direct delivery to the process's connections);
* reference: a plain Channels consumer that keeps its open instances in a set and broadcasts
  with ``for consumer in instances: await consumer.send(text)``, measured in the same run.

Both sides use the same Channels consumer machinery for sending, so the ratio is chanx's
fan-out cost against a loop. Target (as for the ASGI binding): <= 1.5x at 1,000 connections.
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import time
from typing import Any, ClassVar, Literal, cast

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        INSTALLED_APPS=["channels"],
        CHANNEL_LAYERS={"default": {"BACKEND": "chanx.core.layers.InMemoryChannelLayer"}},
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    )
    django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import URLRouter
from django.urls import path

from bench._knobs import size
from bench.bench_asgi_dispatch import Driver
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import ws_handler
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

ALIAS = "bench_fanout"
_LAYER = {"BACKEND": "chanx.core.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1000}}
SIZES = (size(200, 10), size(1000, 20))
ROUNDS = size(5, 1)
REPEAT = size(5, 1)
PUBLISH = '{"action":"publish","payload":1}'
PING = '{"action":"ping"}'


class PublishMessage(BaseMessage):
    action: Literal["publish"] = "publish"
    payload: int


class ItemMessage(BaseMessage):
    action: Literal["item"] = "item"
    payload: int


class ChanxFanout(AsyncJsonWebsocketConsumer):
    """The chanx way: one handler broadcasts to the group."""

    channel_layer_alias = ALIAS
    groups = ["bench"]

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(output_type=ItemMessage)
    async def handle_publish(self, message: PublishMessage) -> None:
        await self.broadcast_message(ItemMessage(payload=message.payload))


class HandFanout(AsyncWebsocketConsumer):
    """The hand-written way on plain Channels: a loop over the open consumers."""

    open: ClassVar[set[HandFanout]] = set()

    async def connect(self) -> None:
        await self.accept()
        self.open.add(self)

    async def disconnect(self, code: int) -> None:
        self.open.discard(self)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        data = json.loads(text_data or "{}")
        if data.get("action") == "publish":
            out = json.dumps({"action": "item", "payload": data["payload"]})
            for consumer in list(self.open):
                await consumer.send(text_data=out)
        else:
            await self.send(text_data=json.dumps({"action": "pong", "payload": None}))


application = URLRouter(
    [
        path("chanx/", cast("Any", ChanxFanout.as_asgi())),
        path("hand/", cast("Any", HandFanout.as_asgi())),
    ]
)


async def _fanout(path_: str, count: int) -> float:
    drivers = [Driver(application, path_) for _ in range(count)]
    for driver in drivers:
        await driver.__aenter__()
    try:
        for driver in drivers:  # each connection is served (and in its group)
            await driver.send_text(PING)
            await driver.receive_text()
        times = []
        for _ in range(REPEAT + 1):  # the first is a warm-up
            gc.collect()
            gc.disable()
            try:
                start = time.perf_counter()
                await drivers[0].send_text(PUBLISH)
                for driver in drivers:
                    await driver.receive_text()
                times.append(time.perf_counter() - start)
            finally:
                gc.enable()
        return statistics.median(times[1:])
    finally:
        for driver in drivers:
            await driver.__aexit__()


async def run() -> dict[str, float]:
    """Every figure of this benchmark."""
    # another benchmark may have configured Django first: add our alias before it is used
    settings.CHANNEL_LAYERS.setdefault(ALIAS, _LAYER)
    results: dict[str, float] = {}
    for count in SIZES:
        chanx, hand = [], []
        for _ in range(ROUNDS):  # interleaved
            chanx.append(await _fanout("/chanx/", count))
            hand.append(await _fanout("/hand/", count))
        results[f"django_fanout_{count}_chanx_ms"] = statistics.median(chanx) * 1e3
        results[f"django_fanout_{count}_loop_ms"] = statistics.median(hand) * 1e3
        results[f"django_fanout_{count}_ratio"] = statistics.median(chanx) / statistics.median(hand)
    return results


def main() -> dict[str, float]:
    """Run and print the table."""
    results = asyncio.run(run())
    print(f"chanx-django fan-out in process (median of {ROUNDS} interleaved rounds)")
    for key, value in results.items():
        print(f"  {key:36s} {value:10.2f}")
    print("  target: <= 1.5x the hand-written loop at 1,000 connections")
    return results


if __name__ == "__main__":
    main()
