"""Loopback round trips and socket fan-out: a chanx consumer against a hand-written endpoint.

Run: ``hatch run bench:run asgi_roundtrip``. One uvicorn process (websockets-sansio, asyncio
loop, no access log) serves both endpoints of :func:`create_app`, so both get the same server
settings; the clients run in this process with the ``websockets`` library.

* Request/reply (``chat`` frame with a nested payload -> ``chat_received``): lockstep on one
  connection (latency p50/p99) and on 8 concurrent connections (throughput), in interleaved
  rounds. ``/chanx`` is an ``AsyncJsonWebsocketConsumer`` as a user writes it; ``/plain`` a
  Starlette endpoint doing the same Pydantic validation by hand (``json.loads``, one
  discriminated-union ``TypeAdapter``, ``json.dumps``). Targets: chanx >= 0.95x the plain
  throughput and <= 1.1x its p50 latency.
* Fan-out: 500 connections to ``/chanx``; one ``broadcast_message`` is timed until every
  client has the frame, with the in-memory layer and, when Redis answers at
  ``CHANX_BENCH_REDIS_URL``, the Redis channel layer (its own server process and prefix).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, TypeAdapter
from starlette.websockets import WebSocket, WebSocketDisconnect

ROUNDS = 5
LOCKSTEP = 1000
CONCURRENT = 8
PER_CONNECTION = 250
FANOUT = 500
ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("CHANX_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

CHAT = json.dumps(
    {
        "action": "chat",
        "payload": {
            "room": "lobby",
            "text": "hello there, how is everyone doing today?",
            "author": {"id": 42, "name": "Ada", "roles": ["member", "admin"]},
            "mentions": [1, 2, 3],
        },
    }
)


def create_app() -> Any:
    """The uvicorn factory: ``/chanx`` and ``/plain`` speaking the same protocol."""
    from fastapi import FastAPI

    from chanx.core.decorators import ws_handler
    from chanx.fast_channels.layers import setup_layers
    from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
    from chanx.messages.base import BaseMessage
    from chanx.messages.incoming import PingMessage
    from chanx.messages.outgoing import PongMessage

    setup_layers(os.environ.get("REDIS_URL") or None, prefix=os.environ.get("PREFIX", "bench"))

    class Author(BaseModel):
        id: int
        name: str
        roles: list[Literal["admin", "member", "guest"]] = []

    class ChatPayload(BaseModel):
        room: str
        text: str
        author: Author
        mentions: list[int] = []

    class ChatMessage(BaseMessage):
        action: Literal["chat"] = "chat"
        payload: ChatPayload

    class ChatReceived(BaseMessage):
        action: Literal["chat_received"] = "chat_received"
        payload: int

    class FanOutMessage(BaseMessage):
        action: Literal["fan_out"] = "fan_out"
        payload: int

    class RoundTripConsumer(AsyncJsonWebsocketConsumer):
        groups = ["bench"]

        @ws_handler
        async def handle_ping(self, message: PingMessage) -> PongMessage:
            return PongMessage()

        @ws_handler
        async def handle_chat(self, message: ChatMessage) -> ChatReceived:
            return ChatReceived(payload=len(message.payload.text))

        @ws_handler(output_type=FanOutMessage)
        async def handle_fan_out(self, message: FanOutMessage) -> None:
            await self.broadcast_message(message)

    incoming: Any = Annotated[Union[PingMessage, ChatMessage], Field(discriminator="action")]  # noqa: UP007
    adapter: TypeAdapter[Any] = TypeAdapter(incoming)

    async def plain(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                message = adapter.validate_python(json.loads(await websocket.receive_text()))
                if isinstance(message, ChatMessage):
                    reply: dict[str, Any] = {
                        "action": "chat_received",
                        "payload": len(message.payload.text),
                    }
                else:
                    reply = {"action": "pong", "payload": None}
                await websocket.send_text(json.dumps(reply))
        except WebSocketDisconnect:
            pass

    app = FastAPI()
    app.add_api_websocket_route("/chanx", RoundTripConsumer.as_asgi())
    app.add_api_websocket_route("/plain", plain)
    return app


class Server:
    """uvicorn serving :func:`create_app` on a free loopback port."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        argv = [
            sys.executable, "-m", "uvicorn", "bench.bench_asgi_roundtrip:create_app",
            "--factory", "--host", "127.0.0.1", "--port", str(self.port),
            "--ws", "websockets-sansio", "--loop", "asyncio", "--http", "h11",
            "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
        self.process = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **(env or {})})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the benchmark server did not start")

    def url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


async def _lockstep(url: str, count: int) -> list[float]:
    from websockets.asyncio.client import connect

    latencies = []
    async with connect(url, compression=None) as ws:
        for _ in range(50):  # warm-up
            await ws.send(CHAT)
            await ws.recv()
        for _ in range(count):
            start = time.perf_counter()
            await ws.send(CHAT)
            await ws.recv()
            latencies.append(time.perf_counter() - start)
    return latencies


async def _throughput(url: str) -> float:
    start = time.perf_counter()
    await asyncio.gather(*(_lockstep(url, PER_CONNECTION) for _ in range(CONCURRENT)))
    return CONCURRENT * (PER_CONNECTION + 50) / (time.perf_counter() - start)


async def _round_trips(server: Server) -> dict[str, float]:
    figures: dict[str, list[float]] = {}
    for _ in range(ROUNDS):  # interleaved: both sides see the same machine noise
        for name in ("chanx", "plain"):
            latencies = sorted(await _lockstep(server.url(f"/{name}"), LOCKSTEP))
            figures.setdefault(f"{name}_p50_us", []).append(latencies[len(latencies) // 2] * 1e6)
            figures.setdefault(f"{name}_p99_us", []).append(
                latencies[int(len(latencies) * 0.99)] * 1e6
            )
            figures.setdefault(f"{name}_msgs_per_s", []).append(
                await _throughput(server.url(f"/{name}"))
            )
    result = {key: statistics.median(values) for key, values in figures.items()}
    result["throughput_ratio"] = result["chanx_msgs_per_s"] / result["plain_msgs_per_s"]
    result["p50_ratio"] = result["chanx_p50_us"] / result["plain_p50_us"]
    result["p99_ratio"] = result["chanx_p99_us"] / result["plain_p99_us"]
    return result


async def _fan_out(server: Server) -> float:
    """Milliseconds from one broadcast to its arrival at all FANOUT connections (median)."""
    from websockets.asyncio.client import connect

    clients = [await connect(server.url("/chanx"), compression=None) for _ in range(FANOUT)]
    try:
        for ws in clients:  # a round trip each: every connection has joined the group
            await ws.send('{"action":"ping"}')
            await ws.recv()
        times = []
        for n in range(ROUNDS):
            start = time.perf_counter()
            await clients[0].send(json.dumps({"action": "fan_out", "payload": n}))
            await asyncio.gather(*(ws.recv() for ws in clients))
            times.append((time.perf_counter() - start) * 1e3)
        return statistics.median(times)
    finally:
        await asyncio.gather(*(ws.close() for ws in clients))


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


def main() -> dict[str, float]:
    """Run both parts and print the figures."""
    server = Server()
    try:
        results = asyncio.run(_round_trips(server))
        results[f"fanout_{FANOUT}_memory_ms"] = asyncio.run(_fan_out(server))
    finally:
        server.stop()
    if _redis_up():
        redis_server = Server({"REDIS_URL": REDIS_URL, "PREFIX": f"bench-{uuid.uuid4().hex[:8]}"})
        try:
            results[f"fanout_{FANOUT}_redis_ms"] = asyncio.run(_fan_out(redis_server))
        finally:
            redis_server.stop()
    for key, value in results.items():
        print(f"{key:28} {value:12.2f}")
    return results


if __name__ == "__main__":
    main()
