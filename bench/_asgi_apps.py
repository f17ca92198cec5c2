"""The applications the ASGI benchmarks compare: chanx-asgi against hand-written Starlette.

Both speak the same protocol: ``ping`` -> ``pong``; ``chat`` (nested payload) ->
``chat_received``; ``publish`` -> every connection of the endpoint gets an ``item`` frame.

* ``/chanx``: an ``AsyncJsonWebsocketConsumer`` mounted on FastAPI, as a user writes it.
* ``/hand``: the floor, a Starlette ``WebSocket`` endpoint written by hand: ``json.loads``,
  one discriminated-union ``TypeAdapter``, the reply built and ``json.dumps``-ed by hand, and a
  broadcast that is a plain loop over the open sockets (the reference for fan-out).

* ``/hand_tasks``: ``/hand`` with a task per connection that handles events (the reference
  for ``broadcast_event``, whose handlers run in each receiver's own task).
* ``/floor``: no framework work at all, a raw ASGI app answering every frame with one
  constant text: what the driver, FastAPI's routing and the event loop cost both sides.
* ``/lean``: ``/chanx``'s consumer with ``receive`` cut down to one validation, the route's
  handler and one serialization, without a single check of the full path: the cheapest
  frame a consumer of chanx's shape can reach (a lower bound, not a way to write consumers).
* ``/topics``: a consumer with one topic (``feed:{name}``) whose ``feed_item`` events are
  passthrough: ``publish_topic`` publishes one to ``feed:bench``, serialized and stamped once,
  and every subscriber forwards the same text (the socket reference is ``/hand``'s loop).

``create_app`` (a uvicorn factory) picks the channel layer from ``CHANX_BENCH_LAYER``
(``memory``: chanx's own; ``fcmemory``: fast-channels' ``InMemoryChannelLayer``, as its docs
register it; ``core``, ``pubsub``), ``CHANX_BENCH_REDIS_URL`` and ``CHANX_BENCH_PREFIX``.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Annotated, Any, Literal, Union

from fastapi import FastAPI
from pydantic import BaseModel, Field, TypeAdapter
from starlette.websockets import WebSocket, WebSocketDisconnect

from chanx.core.decorators import event_handler, ws_handler
from chanx.core.topic import Topic
from chanx.fast_channels.layers import setup_layers
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

GROUP = "bench"
PING = '{"action":"ping"}'
CHAT = json.dumps(
    {
        "action": "chat",
        "payload": {
            "room": "lobby",
            "text": "hello there, how is everyone doing today?",
            "author": {"id": 42, "name": "Ada", "roles": ["member", "admin"]},
            "mentions": [1, 2, 3],
            "meta": {"client": 3, "build": 1234},
        },
    }
)
PUBLISH = '{"action":"publish","payload":1}'
TOPIC = "feed:bench"
SUBSCRIBE = f'{{"topic":"{TOPIC}","action":"subscribe"}}'
PUBLISH_TOPIC = '{"action":"publish_topic","payload":1}'


class Author(BaseModel):
    id: int
    name: str
    roles: list[Literal["admin", "member", "guest"]] = []


class ChatPayload(BaseModel):
    room: str
    text: str
    author: Author
    mentions: list[int] = []
    meta: dict[str, int] = {}


class ChatMessage(BaseMessage):
    action: Literal["chat"] = "chat"
    payload: ChatPayload


class ChatReceived(BaseMessage):
    action: Literal["chat_received"] = "chat_received"
    payload: int


class PublishMessage(BaseMessage):
    action: Literal["publish"] = "publish"
    payload: int


class ItemMessage(BaseMessage):
    action: Literal["item"] = "item"
    payload: int


class ItemEvent(BaseMessage):
    """A server-side event; each receiver turns it into an ``item`` frame."""

    action: Literal["item_event"] = "item_event"
    payload: int


class BenchConsumer(AsyncJsonWebsocketConsumer[ItemEvent]):
    """The chanx side: three handlers and an event handler, as in an application."""

    groups = [GROUP]

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler
    async def handle_chat(self, message: ChatMessage) -> ChatReceived:
        return ChatReceived(payload=len(message.payload.text))

    @ws_handler(output_type=ItemMessage)
    async def handle_publish(self, message: PublishMessage) -> None:
        await self.broadcast_message(ItemMessage(payload=message.payload))

    @event_handler
    async def handle_item_event(self, event: ItemEvent) -> ItemMessage:
        return ItemMessage(payload=event.payload)


_BENCH_ROUTES = BenchConsumer.get_registry()
assert _BENCH_ROUTES.incoming is not None
_LEAN_VALIDATOR = _BENCH_ROUTES.incoming.validator


class LeanConsumer(BenchConsumer):
    """``/lean``: what a frame costs with none of the full path's checks (size, binary, refs,
    authentication refresh, topics, logging, concurrency, permissions, timeouts, telemetry,
    overridden hooks, handler failures, completion frames). Valid frames only."""

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message = _LEAN_VALIDATOR.validate_json(text_data or "")
        result = await _BENCH_ROUTES.ws_by_type[type(message)].func(self, message)
        if result is not None:
            await self.base_send({"type": "websocket.send", "text": self.encode_message(result)})


class FeedItem(BaseMessage):
    action: Literal["feed_item"] = "feed_item"
    payload: int


class Feed(Topic[FeedItem]):
    """One topic per name; its items are serialized once and forwarded as they are."""

    pattern = "feed:{name}"
    passthrough_events = [FeedItem]


class PublishTopic(BaseMessage):
    action: Literal["publish_topic"] = "publish_topic"
    payload: int


class TopicConsumer(AsyncJsonWebsocketConsumer):
    """Topics multiplexed on one connection; ``publish_topic`` publishes to ``feed:bench``."""

    topics = [Feed]

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler
    async def handle_publish_topic(self, message: PublishTopic) -> None:
        await Feed.broadcast(TOPIC, FeedItem(payload=message.payload))


_INCOMING: Any = Annotated[
    Union[PingMessage, ChatMessage, PublishMessage],  # noqa: UP007
    Field(discriminator="action"),
]
HAND_ADAPTER: TypeAdapter[Any] = TypeAdapter(_INCOMING)
#: Sockets open on the hand-written endpoint (its "group").
HAND_SOCKETS: set[WebSocket] = set()


async def hand_written(websocket: WebSocket) -> None:
    """The floor: validate with one TypeAdapter, answer and broadcast by hand."""
    await websocket.accept()
    HAND_SOCKETS.add(websocket)
    try:
        while True:
            text = await websocket.receive_text()
            message = HAND_ADAPTER.validate_python(json.loads(text))
            if isinstance(message, PingMessage):
                reply: dict[str, Any] = {"action": "pong", "payload": None}
            elif isinstance(message, ChatMessage):
                reply = {"action": "chat_received", "payload": len(message.payload.text)}
            else:
                out = json.dumps({"action": "item", "payload": message.payload})
                for other in list(HAND_SOCKETS):
                    await other.send_text(out)
                continue
            await websocket.send_text(json.dumps(reply))
    except WebSocketDisconnect:
        pass
    finally:
        HAND_SOCKETS.discard(websocket)


#: The inboxes of the connections open on ``/hand_tasks``.
HAND_INBOXES: set[asyncio.Queue[ItemEvent]] = set()


def hand_publish_event(event: ItemEvent) -> None:
    """``/hand_tasks``' ``broadcast_event``: the event into every connection's inbox."""
    for inbox in HAND_INBOXES:
        inbox.put_nowait(event)


async def hand_with_tasks(websocket: WebSocket) -> None:
    """The reference for events: each connection handles an event in a task of its own.

    The plainest code that does what ``broadcast_event`` promises (every receiver runs its
    handler in its own task, not in the sender's, and answers with its own reply): an
    ``asyncio.Queue`` per connection, drained by the connection's task, which sends a reply
    it builds and ``json.dumps``-es. Cheaper than what chanx does, on purpose: the event is
    not serialized or validated at all, and every handler gets the same instance (chanx
    gives each its own copy). Client frames are answered as on ``/hand``.
    """
    await websocket.accept()
    inbox: asyncio.Queue[ItemEvent] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            event = await inbox.get()
            await websocket.send_text(json.dumps({"action": "item", "payload": event.payload}))

    task = asyncio.create_task(deliver())
    HAND_INBOXES.add(inbox)
    try:
        while True:
            text = await websocket.receive_text()
            HAND_ADAPTER.validate_python(json.loads(text))
            await websocket.send_text(json.dumps({"action": "pong", "payload": None}))
    except WebSocketDisconnect:
        pass
    finally:
        HAND_INBOXES.discard(inbox)
        task.cancel()


FLOOR_REPLY = '{"action":"pong","payload":null}'


async def floor(websocket: WebSocket) -> None:
    """The transport floor: every frame answered with one constant text, through the raw ASGI
    callables behind the ``WebSocket`` (as chanx's consumer takes them), mounted the same way
    as the other endpoints, so its figure is what the driver, FastAPI and the loop cost."""
    receive, send = websocket._receive, websocket._send
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    reply = {"type": "websocket.send", "text": FLOOR_REPLY}
    while (await receive())["type"] == "websocket.receive":
        await send(reply)


def use_fast_channels_memory() -> None:
    """Register fast-channels' own in-memory layer as ``default``, as its docs do."""
    from fast_channels.layers import InMemoryChannelLayer, register_channel_layer

    register_channel_layer("default", InMemoryChannelLayer())


def build_app() -> FastAPI:
    """Both endpoints on one FastAPI app (no layer configuration)."""
    app = FastAPI()
    app.add_api_websocket_route("/chanx", BenchConsumer.as_asgi())
    app.add_api_websocket_route("/hand", hand_written)
    app.add_api_websocket_route("/topics", TopicConsumer.as_asgi())
    app.add_api_websocket_route("/floor", floor)
    app.add_api_websocket_route("/lean", LeanConsumer.as_asgi())
    app.add_api_websocket_route("/hand_tasks", hand_with_tasks)

    @app.post("/event")
    async def event() -> dict[str, str]:
        await BenchConsumer.broadcast_event(ItemEvent(payload=1))
        return {"sent": "ok"}

    return app


def create_app() -> FastAPI:
    """uvicorn factory: the app with the channel layer the environment asks for."""
    kind = os.environ.get("CHANX_BENCH_LAYER", "memory")
    url = os.environ.get("CHANX_BENCH_REDIS_URL")
    prefix = os.environ.get("CHANX_BENCH_PREFIX", "chanx-bench")
    if kind == "memory":
        setup_layers(None)
    elif kind == "fcmemory":
        use_fast_channels_memory()
    else:
        setup_layers(url, kind="pubsub" if kind == "pubsub" else "core", prefix=prefix)
    return build_app()
