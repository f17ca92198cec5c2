"""chanx-asgi over real sockets: uvicorn on loopback against the hand-written endpoint.

Run: ``hatch run bench:run asgi_sockets``. One uvicorn process (``--ws websockets-sansio``)
serves both endpoints of :mod:`bench._asgi_apps`; the clients (``websockets``) run in this
process. Every figure has its reference measured in the same run, interleaved:

* **request/reply**: 1 and 16 concurrent clients doing lockstep ``ping`` round trips;
  messages/s (all clients) and p50/p99 latency. Target: >= 0.95x the hand-written
  endpoint's throughput, p50 <= 1.1x.
* **fan-out over sockets**: one ``publish`` reaching 200 and 1,000 connected clients, with the
  in-memory layer, fast-channels' own in-memory layer (``fcmemory``), the Redis channel layer
  and the Redis pub/sub layer; reference: the hand-written endpoint's loop over its open
  sockets. Target (in-memory): <= 1.3x the loop.
* **topic fan-out over sockets**: every client subscribes to one topic on ``/topics`` (a
  passthrough topic), one ``publish_topic`` reaches them all; in-memory layer (target <= 1.3x
  the loop) and the Redis channel layer (figure and ratio reported); same reference loop.
* **memory per idle connection**: server RSS growth for 1,000 idle connections (fresh server
  per side).

Redis figures use ``CHANX_BENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``) with a
unique key prefix, deleted afterwards.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from bench._asgi_apps import PING, PUBLISH, PUBLISH_TOPIC, SUBSCRIBE
from bench._knobs import size

ROOT = Path(__file__).parent.parent
REDIS_URL = os.environ.get("CHANX_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
ROUNDS = size(3, 1)
TRIPS = {1: size(2000, 20), 16: size(400, 5)}  # round trips per client
FANOUT_SIZES = (size(200, 10), size(500, 15), size(1000, 20))
TOPIC_SIZES = (size(200, 10), size(1000, 20))
FANOUT_REPEAT = size(5, 1)
IDLE = size(1000, 20)


class Server:
    """``bench._asgi_apps:create_app`` (or ``app``, run by ``python``) in a uvicorn process."""

    def __init__(
        self,
        layer: str = "memory",
        prefix: str = "",
        *,
        python: str = sys.executable,
        app: str = "bench._asgi_apps:create_app",
    ) -> None:
        self.python = python
        self.app = app
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.env = {
            **os.environ,
            "CHANX_BENCH_LAYER": layer,
            "CHANX_BENCH_REDIS_URL": REDIS_URL,
            "CHANX_BENCH_PREFIX": prefix or f"chanx-bench-{uuid.uuid4().hex[:8]}",
        }
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __exit__
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> Server:
        command = [
            self.python, "-m", "uvicorn", self.app, "--factory",
            "--host", "127.0.0.1", "--port", str(self.port), "--ws", "websockets-sansio",
            "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stderr=self.log)
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"uvicorn exited: {self.log.read().decode()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return self
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("uvicorn did not start") from None
                time.sleep(0.05)

    def rss(self) -> int:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")

    def cpu(self) -> float:
        """CPU seconds (user + system) the server process has used so far."""
        assert self.process is not None
        # fields after the parenthesised command name; utime and stime are the 12th and 13th
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()


async def _open(url: str, count: int) -> list[ClientConnection]:
    clients: list[ClientConnection] = []
    for start in range(0, count, 100):
        batch = [
            connect(url, ping_interval=None, max_size=None, open_timeout=60)
            for _ in range(min(100, count - start))
        ]
        clients += await asyncio.gather(*batch)
    # a round trip each: connect() finished on the server, groups joined
    await asyncio.gather(*(c.send(PING) for c in clients))
    await asyncio.gather(*(c.recv() for c in clients))
    return clients


async def _close(clients: list[ClientConnection]) -> None:
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


# -- request/reply -----------------------------------------------------------------------------
async def _client_trips(client: ClientConnection, trips: int, latencies: list[float]) -> None:
    for _ in range(trips):
        start = time.perf_counter()
        await client.send(PING)
        await client.recv()
        latencies.append(time.perf_counter() - start)


async def _request_reply(url: str, concurrency: int) -> tuple[float, float, float]:
    """(messages/s, p50 s, p99 s) for ``concurrency`` clients in lockstep."""
    clients = await _open(url, concurrency)
    try:
        warm: list[float] = []
        await asyncio.gather(*(_client_trips(c, 50, warm) for c in clients))
        latencies: list[float] = []
        trips = TRIPS[concurrency]
        start = time.perf_counter()
        await asyncio.gather(*(_client_trips(c, trips, latencies) for c in clients))
        elapsed = time.perf_counter() - start
    finally:
        await _close(clients)
    latencies.sort()
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[int(len(latencies) * 0.99)]
    return concurrency * trips / elapsed, p50, p99


async def bench_request_reply(server: Server) -> dict[str, float]:
    results: dict[str, float] = {}
    for concurrency in TRIPS:
        runs: dict[str, list[tuple[float, float, float]]] = {"chanx": [], "hand": []}
        for _ in range(ROUNDS):
            for side in runs:
                runs[side].append(await _request_reply(server.url(f"/{side}"), concurrency))
        med = {
            side: [statistics.median(r[i] for r in rounds) for i in range(3)]
            for side, rounds in runs.items()
        }
        key = f"rr_{concurrency}c"
        results[f"{key}_chanx_msgs_per_s"] = med["chanx"][0]
        results[f"{key}_hand_msgs_per_s"] = med["hand"][0]
        results[f"{key}_throughput_ratio"] = med["chanx"][0] / med["hand"][0]
        results[f"{key}_chanx_p50_us"] = med["chanx"][1] * 1e6
        results[f"{key}_hand_p50_us"] = med["hand"][1] * 1e6
        results[f"{key}_p50_ratio"] = med["chanx"][1] / med["hand"][1]
        results[f"{key}_chanx_p99_us"] = med["chanx"][2] * 1e6
        results[f"{key}_hand_p99_us"] = med["hand"][2] * 1e6
    return results


# -- fan-out -----------------------------------------------------------------------------------
async def _fanout_once(clients: list[ClientConnection], trigger: str, expect: str) -> float:
    start = time.perf_counter()
    await clients[0].send(trigger)
    # bounded: a frame that never comes fails the benchmark instead of hanging it
    frames = await asyncio.wait_for(asyncio.gather(*(c.recv() for c in clients)), 60)
    elapsed = time.perf_counter() - start
    wrong = [f for f in frames if expect not in str(f)]
    if wrong:  # a timing of error frames would be a figure of nothing
        raise RuntimeError(f"{len(wrong)} client(s) got something else, e.g. {wrong[0]!r}")
    return elapsed


async def _fanout(url: str, count: int, *, topic: bool = False) -> float:
    clients = await _open(url, count)
    try:
        trigger, expect = PUBLISH, '"item"'
        if topic:  # every client subscribed (its reply read) before the clock starts
            await asyncio.gather(*(c.send(SUBSCRIBE) for c in clients))
            replies = await asyncio.wait_for(asyncio.gather(*(c.recv() for c in clients)), 60)
            refused = [r for r in replies if '"subscribed"' not in str(r)]
            if refused:
                raise RuntimeError(f"{len(refused)} subscribe(s) refused, e.g. {refused[0]!r}")
            trigger, expect = PUBLISH_TOPIC, '"feed_item"'
        await _fanout_once(clients, trigger, expect)  # warm-up
        return statistics.median(
            [await _fanout_once(clients, trigger, expect) for _ in range(FANOUT_REPEAT)]
        )
    finally:
        await _close(clients)


async def bench_fanout(server: Server, layer: str, *, topic: bool = False) -> dict[str, float]:
    """Broadcast (or, with ``topic``, topic publish) fan-out against ``/hand``'s loop."""
    results: dict[str, float] = {}
    for count in TOPIC_SIZES if topic else FANOUT_SIZES:
        chanx, hand = [], []
        for _ in range(ROUNDS):
            if topic:
                chanx.append(await _fanout(server.url("/topics"), count, topic=True))
            else:
                chanx.append(await _fanout(server.url("/chanx"), count))
            hand.append(await _fanout(server.url("/hand"), count))
        key = f"{'topic_fanout' if topic else 'fanout'}_socket_{layer}_{count}"
        results[f"{key}_chanx_ms"] = statistics.median(chanx) * 1e3
        results[f"{key}_loop_ms"] = statistics.median(hand) * 1e3
        results[f"{key}_ratio"] = statistics.median(chanx) / statistics.median(hand)
    return results


# -- memory ------------------------------------------------------------------------------------
async def _idle_growth(path: str) -> float:
    """Server RSS growth per idle connection, in KB, on a fresh server."""
    with Server() as server:
        warm = await _open(server.url(path), 20)  # code paths and caches warmed up
        before = server.rss()
        clients = await _open(server.url(path), IDLE)
        await asyncio.sleep(0.5)  # let the server settle before reading RSS
        after = server.rss()
        await _close([*clients, *warm])
    return (after - before) / IDLE / 1024


async def bench_memory() -> dict[str, float]:
    chanx = await _idle_growth("/chanx")
    hand = await _idle_growth("/hand")
    return {
        "idle_conn_chanx_kb": chanx,
        "idle_conn_hand_kb": hand,
        "idle_conn_ratio": chanx / hand,
    }


async def _flush_prefix(kind: str, prefix: str) -> None:
    from chanx.fast_channels.layers import setup_layers, unregister_layer

    layer: Any = setup_layers(REDIS_URL, kind="core", prefix=prefix, alias="bench-flush")
    try:
        await layer.flush()
    finally:
        unregister_layer("bench-flush")


def _redis_up() -> bool:
    from chanx.fast_channels.layers import LayerUnavailableError, _probe

    try:
        _probe(REDIS_URL, 1.0)
    except LayerUnavailableError as exc:
        print(f"  (Redis figures skipped: {exc})")
        return False
    return True


async def run() -> dict[str, float]:
    """Every figure of this benchmark."""
    results: dict[str, float] = {}
    with Server() as server:
        results.update(await bench_request_reply(server))
        results.update(await bench_fanout(server, "memory"))
        results.update(await bench_fanout(server, "memory", topic=True))
    with Server("fcmemory") as server:  # fast-channels' own in-memory layer
        results.update(await bench_fanout(server, "fcmemory"))
    if _redis_up():
        for kind in ("core", "pubsub"):
            prefix = f"chanx-bench-{uuid.uuid4().hex[:8]}"
            try:
                with Server(kind, prefix) as server:
                    results.update(await bench_fanout(server, kind))
                    if kind == "core":
                        results.update(await bench_fanout(server, kind, topic=True))
            finally:
                await _flush_prefix(kind, prefix)
    results.update(await bench_memory())
    return results


def main() -> dict[str, float]:
    """Run and print the table."""
    results = asyncio.run(run())
    print(f"chanx-asgi over loopback sockets, uvicorn (medians of {ROUNDS} interleaved rounds)")
    for key, value in results.items():
        print(f"  {key:44s} {value:12.2f}")
    print(
        "  targets: rr throughput >= 0.95x, p50 <= 1.1x; in-memory socket fan-out "
        "(broadcast and topic) <= 1.3x"
    )
    return results


if __name__ == "__main__":
    main()
