"""chanx's Django consumer against a plain Channels consumer doing the same Pydantic work.

Run: ``hatch run bench:run django_dispatch`` (or ``python -m bench.bench_django_dispatch``).
Two figures per consumer: in-process dispatch (chanx's harness, no sockets) and loopback round
trips through uvicorn serving this module's ``application`` (the websockets client, lockstep).
Both consumers validate a chat frame against the same three-message discriminated union and
answer with a serialized reply; both have the same in-memory channel layer. The plain one is
what a Channels user writes by hand (``AsyncWebsocketConsumer.receive`` + ``TypeAdapter``), so
it pays Channels' per-message ``aclose_old_connections()`` thread hop, which chanx skips by
default (``close_old_connections``). Figures are medians of interleaved rounds; the ratio is
what matters on a shared machine. Target: chanx <= 0.7x the plain consumer's time per message.
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
from pathlib import Path
from typing import Annotated, Any, Literal, Union, cast

import django
from django.conf import settings
from pydantic import BaseModel, Field, TypeAdapter

if not settings.configured:
    settings.configure(
        INSTALLED_APPS=["channels"],
        CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    )
    django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import URLRouter
from django.urls import path

from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import ws_handler
from chanx.core.testing import WebsocketHarness
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

ROUNDS = 5
MESSAGES = 2000
LOOPBACK_MESSAGES = 1000


class ChatPayload(BaseModel):
    message: str
    room: str = "lobby"


class ChatMessage(BaseMessage):
    action: Literal["chat"] = "chat"
    payload: ChatPayload


class JoinMessage(BaseMessage):
    action: Literal["join"] = "join"
    payload: str


class ChatNotification(BaseMessage):
    action: Literal["chat_notification"] = "chat_notification"
    payload: ChatPayload


class ChanxChat(AsyncJsonWebsocketConsumer):
    """The chanx way: three handlers, routing and serialization by the framework."""

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler
    async def handle_chat(self, message: ChatMessage) -> ChatNotification:
        return ChatNotification(payload=message.payload)

    @ws_handler
    async def handle_join(self, message: JoinMessage) -> None:
        return None


_UNION: Any = Annotated[Union[PingMessage, ChatMessage, JoinMessage], Field(discriminator="action")]  # noqa: UP007
_ADAPTER: TypeAdapter[Any] = TypeAdapter(_UNION)


class PlainChat(AsyncWebsocketConsumer):
    """The hand-written way on plain Channels: validate, branch, dump, send."""

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message = _ADAPTER.validate_json(text_data or "")
        if isinstance(message, ChatMessage):
            reply = ChatNotification(payload=message.payload)
            await self.send(text_data=reply.model_dump_json())
        elif isinstance(message, PingMessage):
            await self.send(text_data=PongMessage().model_dump_json())


routes: list[Any] = [
    # django-stubs types path() for HTTP views only, whatever the consumer library
    path("ws/chanx/", cast("Any", ChanxChat.as_asgi())),
    path("ws/plain/", cast("Any", PlainChat.as_asgi())),
]
#: What uvicorn serves for the loopback figures.
application = URLRouter(routes)

FRAME = json.dumps({"action": "chat", "payload": {"message": "hello", "room": "lobby"}})


async def _lockstep(app: Any) -> float:
    async with WebsocketHarness(app, "/ws/") as ws:
        for _ in range(200):  # warm-up
            await ws.send_text(FRAME)
            await ws.receive_text()
        start = time.perf_counter()
        for _ in range(MESSAGES):
            await ws.send_text(FRAME)
            await ws.receive_text()
        return (time.perf_counter() - start) / MESSAGES


async def bench_dispatch() -> dict[str, float]:
    chanx_app, plain_app = ChanxChat.as_asgi(), PlainChat.as_asgi()
    hop_app = ChanxChat.as_asgi(close_old_connections=True)
    chanx_t: list[float] = []
    plain_t: list[float] = []
    hop_t: list[float] = []
    for _ in range(ROUNDS):  # interleaved so machine noise hits all alike
        chanx_t.append(await _lockstep(chanx_app))
        plain_t.append(await _lockstep(plain_app))
        hop_t.append(await _lockstep(hop_app))
    chanx_us = statistics.median(chanx_t) * 1e6
    plain_us = statistics.median(plain_t) * 1e6
    hop_us = statistics.median(hop_t) * 1e6
    return {
        "chat_chanx_django_us": chanx_us,
        "chat_plain_channels_us": plain_us,
        "chat_chanx_close_old_connections_us": hop_us,
        "ratio_chanx_vs_plain_channels": chanx_us / plain_us,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _loopback(url: str) -> float:
    from websockets.asyncio.client import connect

    async with connect(url) as ws:
        for _ in range(200):  # warm-up
            await ws.send(FRAME)
            await ws.recv()
        start = time.perf_counter()
        for _ in range(LOOPBACK_MESSAGES):
            await ws.send(FRAME)
            await ws.recv()
        return (time.perf_counter() - start) / LOOPBACK_MESSAGES


async def _loopback_rounds(port: int) -> dict[str, float]:
    chanx_t: list[float] = []
    plain_t: list[float] = []
    for _ in range(ROUNDS):  # interleaved so machine noise hits both alike
        chanx_t.append(await _loopback(f"ws://127.0.0.1:{port}/ws/chanx/"))
        plain_t.append(await _loopback(f"ws://127.0.0.1:{port}/ws/plain/"))
    chanx_us = statistics.median(chanx_t) * 1e6
    plain_us = statistics.median(plain_t) * 1e6
    return {
        "loopback_chanx_django_us": chanx_us,
        "loopback_plain_channels_us": plain_us,
        "loopback_throughput_ratio_chanx_vs_plain": plain_us / chanx_us,
    }


def bench_loopback() -> dict[str, float]:
    """Round trips over a real socket to uvicorn serving :data:`application`."""
    port = _free_port()
    root = Path(__file__).resolve().parents[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.bench_django_dispatch:application",
         "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off", "--log-level", "warning"],
        cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), 0.2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("uvicorn did not start") from None
                time.sleep(0.05)
        return asyncio.run(_loopback_rounds(port))
    finally:
        server.terminate()
        server.wait(10)


def main() -> dict[str, float]:
    """Run the benchmark and print a table."""
    results = {**asyncio.run(bench_dispatch()), **bench_loopback()}
    print("chanx-django in-process dispatch (median of", ROUNDS, "rounds,", MESSAGES, "messages)")
    for key, value in results.items():
        print(f"  {key:40s} {value:10.2f}")
    print("  target: ratio_chanx_vs_plain_channels <= 0.70 (loopback throughput ratio > 1)")
    return results


if __name__ == "__main__":
    main()
