"""10,000 idle connections in one server process on loopback, per channel layer.

Run: ``hatch run bench:run scale`` (``CHANX_BENCH_SCALE=N`` for another count). One fresh
uvicorn process (:class:`bench.bench_asgi_sockets.Server`) per side and layer serves
``/chanx`` or ``/hand`` of :mod:`bench._asgi_apps`; the clients (``websockets``) run in this
process, opened in batches of 200. Reference, measured in the same run: the hand-written
endpoint. Figures:

* **handshake rate**: connections opened per second (client and server share the 2 cores, so
  the client's own cost is in both sides alike). Target: >= 0.95x the hand-written endpoint.
* **server CPU per connection**: CPU time of the server process over the opening (each
  connection's handshake and one ping), per connection, in µs. Wall-clock rates move with
  what else the machine runs; the server's own CPU time does not, so this is the figure to
  compare on a loaded machine.
* **RSS per connection**: server RSS growth over the idle connections / their count, in KB.
  Target: <= 1.1x.
* **fan-out**: one ``publish`` until every connection has its frame, in ms (the hand-written
  endpoint loops over its sockets).

Layers: chanx's own in-memory layer (``memory``) and fast-channels' ``InMemoryChannelLayer``
(``fcmemory``). The file-descriptor limit of this process (and so of the server it starts) is
raised to its hard limit for the run. Bounded: every step has a deadline and the servers are
stopped at the end whatever happens.
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import time

from websockets.asyncio.client import ClientConnection, connect

from bench._asgi_apps import PING, PUBLISH
from bench._knobs import size
from bench.bench_asgi_sockets import Server

COUNT = int(os.environ.get("CHANX_BENCH_SCALE", "0")) or size(10_000, 30)
BATCH = 200
FANOUT_REPEAT = size(3, 1)
DEADLINE = 600.0  # seconds for one side's whole measurement


def _raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < needed:
        raise RuntimeError(f"{needed} connections need {needed} file descriptors; limit {hard}")


async def _open(url: str, count: int) -> tuple[list[ClientConnection], float]:
    """``count`` open connections (each answered one ping) and the handshake rate."""
    clients: list[ClientConnection] = []
    start = time.perf_counter()
    for first in range(0, count, BATCH):
        batch = [
            connect(url, ping_interval=None, max_size=None, open_timeout=120)
            for _ in range(min(BATCH, count - first))
        ]
        clients += await asyncio.gather(*batch)
    rate = count / (time.perf_counter() - start)
    for first in range(0, count, BATCH):  # connect() finished on the server: groups joined
        part = clients[first : first + BATCH]
        await asyncio.gather(*(c.send(PING) for c in part))
        await asyncio.gather(*(c.recv() for c in part))
    return clients, rate


async def _fanout_once(clients: list[ClientConnection]) -> float:
    start = time.perf_counter()
    await clients[0].send(PUBLISH)
    await asyncio.gather(*(c.recv() for c in clients))
    return time.perf_counter() - start


async def _side(layer: str, path: str) -> dict[str, float]:
    with Server(layer) as server:
        url = server.url(path)
        warm, _ = await _open(url, 20)  # code paths and caches warmed up
        before = server.rss()
        cpu_before = server.cpu()
        clients, rate = await _open(url, COUNT)
        cpu_us = (server.cpu() - cpu_before) / COUNT * 1e6  # includes one ping per connection
        await asyncio.sleep(0.5)  # let the server settle before reading RSS
        rss_kb = (server.rss() - before) / COUNT / 1024
        await _fanout_once(clients)  # warm-up
        fanout = statistics.median([await _fanout_once(clients) for _ in range(FANOUT_REPEAT)])
        closing = [*clients, *warm]
        for first in range(0, len(closing), 1000):
            part = closing[first : first + 1000]
            await asyncio.gather(*(c.close() for c in part), return_exceptions=True)
    return {
        "handshakes_per_s": rate,
        "server_cpu_us": cpu_us,
        "rss_kb": rss_kb,
        "fanout_ms": fanout * 1e3,
    }


async def run() -> dict[str, float]:
    """Every figure of this benchmark."""
    _raise_fd_limit(COUNT + 200)
    results: dict[str, float] = {"connections": float(COUNT)}
    hand = await asyncio.wait_for(_side("memory", "/hand"), DEADLINE)
    for key, value in hand.items():
        results[f"hand_{key}"] = value
    for layer in ("memory", "fcmemory"):
        chanx = await asyncio.wait_for(_side(layer, "/chanx"), DEADLINE)
        for key, value in chanx.items():
            results[f"{layer}_chanx_{key}"] = value
            results[f"{layer}_{key}_ratio"] = value / hand[key]
    return results


def main() -> dict[str, float]:
    """Run and print the table."""
    results = asyncio.run(run())
    print(f"{COUNT} idle connections in one uvicorn process, loopback")
    for key, value in results.items():
        print(f"  {key:40s} {value:12.2f}")
    print("  targets: handshake rate >= 0.95x, RSS per connection <= 1.1x the hand-written")
    return results


if __name__ == "__main__":
    main()
