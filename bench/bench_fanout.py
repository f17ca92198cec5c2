"""Fan-out of one broadcast to 200 and 1,000 connections, in process, per channel layer.

Run: ``hatch run bench:run fanout``. In process (no sockets; the driver of
:mod:`bench.bench_asgi_dispatch`), N connections to the full FastAPI app of
:mod:`bench._asgi_apps`; one of them sends ``publish`` and the clock stops when every connection
has its ``item`` frame. Reference, measured in the same run: the hand-written endpoint, whose
broadcast is a plain loop ``for ws in sockets: await ws.send_text(text)``.

* ``broadcast_message`` through the in-memory layer (target <= 1.5x the loop at 1,000),
  fast-channels' own ``InMemoryChannelLayer`` (``fcmemory``, registered as its docs do; same
  target), the Redis channel layer and the Redis pub/sub layer (figure and ratio reported);
* ``broadcast_event`` (each receiver validates the event, runs its handler, encodes its own
  reply) through both in-memory layers (target <= 1.5x the loop at 1,000), also as a ratio
  (``*_vs_tasks``) to the hand-written endpoint that runs each receiver's handler in a task
  of the connection's own (``/hand_tasks``): what a handler per receiver costs written by
  hand.

Redis figures need a Redis at ``CHANX_BENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``);
keys use a unique prefix and are deleted afterwards. Medians of interleaved rounds; the garbage
collector is paused while a broadcast is timed (for both sides). Each round has every compared
endpoint's connections open at once and alternates their broadcasts (paired samples).
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from bench._asgi_apps import (
    PUBLISH,
    BenchConsumer,
    ItemEvent,
    build_app,
    hand_publish_event,
    use_fast_channels_memory,
)
from bench._knobs import size
from bench.bench_asgi_dispatch import Driver
from chanx.fast_channels.layers import LayerUnavailableError, setup_layers

SIZES = (size(200, 10), size(1000, 20))
ROUNDS = size(5, 1)
REPEAT = size(5, 1)
REDIS_URL = os.environ.get("CHANX_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def rotated(items: list[str], round_: int) -> list[str]:
    """``items`` rotated by ``round_``: the order a round opens and times its endpoints in.

    Where a set of connections sits in the heap moves its broadcast's time: in one process,
    the same topic publish and ``broadcast_message`` measured 1.37-1.47x and 1.12-1.18x the
    loop when the subscribers were opened first, and 1.29-1.31x and 1.26-1.33x when they
    were opened last. Rotating the order between rounds spreads that over every endpoint.
    """
    shift = round_ % len(items)
    return items[shift:] + items[:shift]


async def _open(app: Any, path: str, count: int) -> list[Driver]:
    drivers = [Driver(app, path) for _ in range(count)]
    for driver in drivers:
        await driver.__aenter__()
    # a ping round trip proves each connection finished connect() (groups joined)
    for driver in drivers:
        await driver.send_text('{"action":"ping"}')
    for driver in drivers:
        await driver.receive_text()
    return drivers


async def _close(drivers: list[Driver]) -> None:
    for driver in drivers:
        await driver.__aexit__()


async def _timed(drivers: list[Driver], trigger: Callable[[], Awaitable[None]]) -> float:
    gc.collect()
    gc.disable()  # a collection of 1,000 connections' objects is noise, not fan-out cost
    try:
        start = time.perf_counter()
        await trigger()
        for driver in drivers:
            await driver.receive_text()
        return time.perf_counter() - start
    finally:
        gc.enable()


def _trigger(path: str, drivers: list[Driver], event: bool) -> Callable[[], Awaitable[None]]:
    """What starts one broadcast on ``path``: a ``publish`` frame, or the event sent."""
    publisher = drivers[0]

    async def publish() -> None:
        await publisher.send_text(PUBLISH)

    async def broadcast_event() -> None:
        await BenchConsumer.broadcast_event(ItemEvent(payload=1))

    async def hand_event() -> None:
        hand_publish_event(ItemEvent(payload=1))

    if path == "/hand_tasks":
        return hand_event
    return broadcast_event if event and path == "/chanx" else publish


async def _fanout(app: Any, path: str, count: int, event: bool = False) -> float:
    """Median seconds for one broadcast to ``count`` connections of ``path`` alone."""
    drivers = await _open(app, path, count)
    try:
        trigger = _trigger(path, drivers, event)
        await _timed(drivers, trigger)  # warm-up
        return statistics.median([await _timed(drivers, trigger) for _ in range(REPEAT)])
    finally:
        await _close(drivers)


async def _measure(kind: str, count: int, event: bool = False) -> tuple[float, float, float]:
    """Median seconds for one broadcast to ``count`` connections: chanx, the hand-written
    loop, and (events only, else 0) the hand-written task per connection.

    Paired: each round opens ``count`` connections on every compared endpoint at once and
    alternates their timed broadcasts, so both sides of a ratio meet the same heap and the
    same moment's machine noise (measured one endpoint after the other, the ratio of the
    same code moved by a fifth between runs). Each round opens and times the endpoints in a
    different order (:func:`rotated`)."""
    app = build_app()
    paths = ["/chanx", "/hand"] + (["/hand_tasks"] if event else [])
    samples: dict[str, list[float]] = {path: [] for path in paths}
    for round_ in range(ROUNDS):
        opened = {path: await _open(app, path, count) for path in rotated(paths, round_)}
        try:
            triggers = {path: _trigger(path, opened[path], event) for path in opened}
            for path in opened:
                await _timed(opened[path], triggers[path])  # warm-up
            for _ in range(REPEAT):
                for path in opened:
                    samples[path].append(await _timed(opened[path], triggers[path]))
        finally:
            for drivers in opened.values():
                await _close(drivers)
    tasks = statistics.median(samples["/hand_tasks"]) if event else 0.0
    return statistics.median(samples["/chanx"]), statistics.median(samples["/hand"]), tasks


async def run() -> dict[str, float]:
    """Every figure of this benchmark."""
    results: dict[str, float] = {}
    layers: list[tuple[str, bool]] = [
        ("memory", False),
        ("memory", True),
        ("fcmemory", False),
        ("fcmemory", True),
    ]
    redis = True
    try:
        setup_layers(REDIS_URL, probe_timeout=1.0)
    except LayerUnavailableError as exc:
        print(f"  (Redis figures skipped: {exc})")
        redis = False
    if redis:
        layers += [("core", False), ("pubsub", False)]
    for kind, event in layers:
        prefix = f"chanx-bench-{uuid.uuid4().hex[:8]}"
        layer: Any = setup_layers(
            None if kind.endswith("memory") else REDIS_URL,
            kind="pubsub" if kind == "pubsub" else "core",
            prefix=prefix,
        )
        if kind == "fcmemory":
            use_fast_channels_memory()
        try:
            for count in SIZES:
                chanx, hand, tasks = await _measure(kind, count, event)
                name = f"{'broadcast_event' if event else 'broadcast_message'}_{kind}_{count}"
                results[f"{name}_chanx_ms"] = chanx * 1e3
                results[f"{name}_loop_ms"] = hand * 1e3
                results[f"{name}_ratio"] = chanx / hand
                if event:
                    results[f"{name}_tasks_ms"] = tasks * 1e3
                    results[f"{name}_vs_tasks_ratio"] = chanx / tasks
        finally:
            if not kind.endswith("memory"):
                await layer.flush()
    setup_layers(None)
    return results


def main() -> dict[str, float]:
    """Run and print the table."""
    results = asyncio.run(run())
    print(f"fan-out of one broadcast, in process (median of {ROUNDS} interleaved rounds)")
    for key, value in results.items():
        print(f"  {key:48s} {value:10.2f}")
    print("  targets at 1,000: <= 1.5x the loop on both in-memory layers (message and event)")
    return results


if __name__ == "__main__":
    main()
