"""The application the reliability suite attacks, in process and in real uvicorn servers.

One FastAPI app with three endpoints:

``/ws``
    :class:`ReliableConsumer`: ping, echo (numbered, for counting and ordering), a chat frame
    with a nested payload, ``publish`` (broadcast a numbered item to every connection), a
    handler that hangs (bounded by ``handler_timeout``) and one that fails with a secret in
    its exception.
``/ws/auth``
    :class:`GuardedConsumer`: the same handlers behind a token authenticator.
``/ws/slowauth``
    authentication waits until the test opens a gate (in process only), to prove that no
    frame is routed before authentication finished.

A server process reads its channel layer from the environment (see :func:`create_app`):
``CHANX_REL_LAYER`` (``memory``, ``core``, ``pubsub``), ``CHANX_REL_REDIS_URL``,
``CHANX_REL_PREFIX`` and ``CHANX_REL_CAPACITY`` (the layer's messages per connection),
``CHANX_REL_OUTAGE_MAX_AGE`` (the outage buffer's bound, seconds) and ``CHANX_REL_METRICS``
(set: Prometheus metrics at ``GET /metrics``). Run it with
``uvicorn reliability_app:create_app --factory``.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, ClassVar, Literal

from fastapi import FastAPI
from pydantic import BaseModel, Field

from chanx.core import BaseAuthenticator, event_handler, ws_handler
from chanx.fast_channels.layers import setup_layers
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages import BaseMessage, PingMessage, PongMessage

#: A string that must never reach a client: it is in an exception message and a "setting".
SECRET = "s3cr3t-redis-password-XYZZY"
#: Seconds a handler may run before it is cancelled with an error frame.
HANDLER_TIMEOUT = 0.5
#: Largest accepted frame of the fuzzed endpoint (kept small so oversize cases are cheap).
MAX_MESSAGE_SIZE = 64 * 1024
GROUP = "everyone"


class EchoMessage(BaseMessage):
    """A numbered request; the reply carries the same number."""

    action: Literal["echo"] = "echo"
    payload: int


class EchoReply(BaseMessage):
    action: Literal["echo_reply"] = "echo_reply"
    payload: int


class ChatAuthor(BaseModel):
    name: str = Field(max_length=64)
    roles: list[Literal["admin", "member", "guest"]] = []


class ChatPayload(BaseModel):
    room: str = Field(max_length=64)
    text: str = Field(max_length=2000)
    author: ChatAuthor
    mentions: list[int] = Field(default=[], max_length=50)
    meta: dict[str, int] = {}


class ChatMessage(BaseMessage):
    """A chat frame with a nested payload."""

    action: Literal["chat"] = "chat"
    payload: ChatPayload


class ChatReceived(BaseMessage):
    action: Literal["chat_received"] = "chat_received"
    payload: int


class PublishMessage(BaseMessage):
    """Ask the server to broadcast item ``payload`` to every connection."""

    action: Literal["publish"] = "publish"
    payload: int


class Published(BaseMessage):
    action: Literal["published"] = "published"
    payload: int


class ItemMessage(BaseMessage):
    """What a broadcast delivers."""

    action: Literal["item"] = "item"
    payload: int


class BlobRequest(BaseModel):
    n: int
    size: int = Field(ge=0, le=1_000_000)


class PublishBlobMessage(BaseMessage):
    """Ask the server to broadcast item ``n`` carrying ``size`` bytes of filler."""

    action: Literal["publish_blob"] = "publish_blob"
    payload: BlobRequest


class Blob(BaseModel):
    n: int
    data: str


class BlobMessage(BaseMessage):
    action: Literal["blob"] = "blob"
    payload: Blob


class HangMessage(BaseMessage):
    action: Literal["hang"] = "hang"


class FailMessage(BaseMessage):
    action: Literal["fail"] = "fail"


class WhoAmIMessage(BaseMessage):
    action: Literal["whoami"] = "whoami"


class ChannelNameMessage(BaseMessage):
    action: Literal["channel_name"] = "channel_name"
    payload: str


class NotifyEvent(BaseMessage):
    """A server-side event; receivers turn it into an ``item`` frame."""

    action: Literal["notify"] = "notify"
    payload: int


class ReliableConsumer(AsyncJsonWebsocketConsumer[NotifyEvent]):
    """Every connection joins :data:`GROUP`; handlers cover each kind of outcome."""

    groups = [GROUP]
    handler_timeout = HANDLER_TIMEOUT
    max_message_size = MAX_MESSAGE_SIZE
    #: Handler runs, per action, in this process (security tests check nothing ran).
    runs: ClassVar[dict[str, int]] = {}

    def _ran(self, action: str) -> None:
        self.runs[action] = self.runs.get(action, 0) + 1

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        self._ran("ping")
        return PongMessage()

    @ws_handler
    async def handle_echo(self, message: EchoMessage) -> EchoReply:
        self._ran("echo")
        return EchoReply(payload=message.payload)

    @ws_handler
    async def handle_chat(self, message: ChatMessage) -> ChatReceived:
        self._ran("chat")
        return ChatReceived(payload=len(message.payload.text))

    @ws_handler(output_type=ItemMessage)
    async def handle_publish(self, message: PublishMessage) -> Published:
        self._ran("publish")
        await self.broadcast_message(ItemMessage(payload=message.payload))
        return Published(payload=message.payload)

    @ws_handler(output_type=BlobMessage)
    async def handle_publish_blob(self, message: PublishBlobMessage) -> Published:
        blob = Blob(n=message.payload.n, data="x" * message.payload.size)
        await self.broadcast_message(BlobMessage(payload=blob))
        return Published(payload=message.payload.n)

    @ws_handler
    async def handle_hang(self, message: HangMessage) -> PongMessage:
        self._ran("hang")
        await asyncio.Event().wait()
        return PongMessage()  # pragma: no cover - never reached

    @ws_handler
    async def handle_fail(self, message: FailMessage) -> None:
        self._ran("fail")
        raise RuntimeError(f"cannot connect to redis://user:{SECRET}@db:6379")

    @ws_handler
    async def handle_whoami(self, message: WhoAmIMessage) -> ChannelNameMessage:
        return ChannelNameMessage(payload=self.channel_name)

    @event_handler
    async def handle_notify(self, event: NotifyEvent) -> ItemMessage:
        return ItemMessage(payload=event.payload)


class TokenAuthenticator(BaseAuthenticator):
    """Accepts ``?token=good``; anything else is 403 (close code 4403)."""

    async def authenticate(self) -> bool:
        if self.get_query_param("token") == "good":
            self.user = "good-user"
            return True
        self.status_code = 403
        self.detail = "Invalid token"
        return False


class GuardedConsumer(ReliableConsumer):
    authenticator_class = TokenAuthenticator
    groups = ["guarded"]


class GatedAuthenticator(BaseAuthenticator):
    """Waits for :attr:`GatedConsumer.gate`, then accepts when :attr:`GatedConsumer.allow`."""

    async def authenticate(self) -> bool:
        consumer: Any = self.consumer
        await consumer.gate.wait()
        self.status_code = 403
        return bool(consumer.allow)


class GatedConsumer(ReliableConsumer):
    authenticator_class = GatedAuthenticator
    groups = ["gated"]
    gate: ClassVar[asyncio.Event]
    allow: ClassVar[bool] = True


def build_app() -> FastAPI:
    """The FastAPI application, without touching channel layer configuration."""
    app = FastAPI()
    app.add_api_websocket_route("/ws", ReliableConsumer.as_asgi())
    app.add_api_websocket_route("/ws/auth", GuardedConsumer.as_asgi())
    app.add_api_websocket_route("/ws/slowauth", GatedConsumer.as_asgi())

    @app.post("/notify/{n}")
    async def notify(n: int) -> dict[str, int]:
        await ReliableConsumer.broadcast_event(NotifyEvent(payload=n))
        return {"sent": n}

    return app


def create_app() -> Any:
    """uvicorn factory: the app with the channel layer the environment asks for."""
    kind = os.environ.get("CHANX_REL_LAYER", "memory")
    url = os.environ.get("CHANX_REL_REDIS_URL")
    prefix = os.environ.get("CHANX_REL_PREFIX", "chanx-rel")
    capacity = int(os.environ.get("CHANX_REL_CAPACITY", "1000"))
    max_age = float(os.environ.get("CHANX_REL_OUTAGE_MAX_AGE", "10"))
    if kind == "memory":
        setup_layers(None, capacity=capacity)
    else:
        setup_layers(
            url,
            kind="pubsub" if kind == "pubsub" else "core",
            prefix=prefix,
            capacity=capacity,
            outage_max_age=max_age,
        )
    app = build_app()
    if os.environ.get("CHANX_REL_METRICS"):  # Prometheus metrics at GET /metrics
        from prometheus_client import CollectorRegistry

        from chanx.core.prometheus import MetricsObserver, with_metrics
        from chanx.core.telemetry import install

        registry = CollectorRegistry()
        install(MetricsObserver(registry))
        return with_metrics(app, registry=registry)
    return app
