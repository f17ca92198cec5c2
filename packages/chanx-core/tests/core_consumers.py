"""Consumers, a gated client and a refusing permission shared by the core behaviour tests."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, ClassVar

from core_models import (
    BoomMessage,
    ChatMessage,
    ChatNotification,
    EchoMessage,
    JobResult,
    LogMessage,
    SlowMessage,
    UserJoined,
    UserJoinedNotification,
)

from chanx.core import (
    BaseAuthenticator,
    ChanxConsumer,
    ConsumerMixin,
    InMemoryChannelLayer,
    event_handler,
    ws_handler,
)
from chanx.core.telemetry import report_rate_limited
from chanx.core.testing import WebsocketHarness
from chanx.core.types import ChannelLayer
from chanx.messages import PingMessage, PongMessage


class LayerConsumer(ChanxConsumer):
    """Base whose layer is swapped per test through ``layer``."""

    layer: ClassVar[ChannelLayer | None] = None

    @classmethod
    def get_channel_layer(cls) -> ChannelLayer | None:
        return cls.layer


class ChatConsumer(LayerConsumer):
    groups = ["room"]
    passthrough_events = [UserJoinedNotification]
    logged: ClassVar[list[str]] = []
    slow_started: ClassVar[asyncio.Event | None] = None

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(output_type=ChatNotification)
    async def handle_chat(self, message: ChatMessage) -> None:
        await self.broadcast_message(ChatNotification(payload=message.payload))

    @ws_handler
    async def handle_log(self, message: LogMessage) -> None:
        self.logged.append(message.payload)

    @ws_handler
    async def handle_boom(self, message: BoomMessage) -> None:
        raise RuntimeError("secret database password 1234")

    @ws_handler
    async def handle_slow(self, message: SlowMessage) -> EchoMessage:
        await asyncio.sleep(message.payload)
        return EchoMessage(payload=int(message.payload * 1000))

    @ws_handler
    async def handle_echo(self, message: EchoMessage) -> EchoMessage:
        await self.send_message(EchoMessage(payload=-message.payload))
        return message

    @event_handler
    async def user_joined(self, event: UserJoined) -> ChatNotification:
        return ChatNotification(payload={"message": f"{event.payload} joined"})  # type: ignore[arg-type]

    @event_handler
    async def job_done(self, event: JobResult) -> None:
        if event.payload == "explode":
            raise RuntimeError("event handler failure")
        await self.send_message(event)


class TokenAuthenticator(BaseAuthenticator):
    async def authenticate(self) -> bool:
        token = self.get_query_param("token")
        if token == "crash":
            raise RuntimeError("db down: password=hunter2")
        if token == "forbidden":
            self.status_code, self.detail = 403, "Not allowed here"
            return False
        if token != "good":
            self.detail = "Missing or invalid token"
            return False
        self.user = {"id": 7, "name": "alice"}
        return True


class AuthConsumer(LayerConsumer):
    authenticator_class: type[BaseAuthenticator] | None = TokenAuthenticator
    events: ClassVar[list[Any]] = []

    async def post_authentication(self) -> None:
        self.events.append(("post_auth", self.user))
        assert self.channel_layer is not None
        await self.channel_layer.group_add(f"user_{self.user['id']}", self.channel_name)
        self.groups.append(f"user_{self.user['id']}")

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        self.events.append("ping")
        return PongMessage()


def fresh_layer() -> InMemoryChannelLayer:
    layer = InMemoryChannelLayer()
    LayerConsumer.layer = layer
    return layer


class GatedHarness(WebsocketHarness):
    """A client whose connection stops taking frames while ``open`` is clear (a full socket)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.open = asyncio.Event()
        self.open.set()

    async def _send(self, message: dict[str, Any]) -> None:
        if message["type"] == "websocket.send":
            await self.open.wait()
        await super()._send(message)


def refuse(consumer: Any, message: Any) -> bool:
    """A permission that says no to every frame."""
    return False


if TYPE_CHECKING:  # the mixin idiom of chanx-mixins: typed as a consumer, a plain mixin at run time
    _MixinBase = ChanxConsumer
else:
    _MixinBase = ConsumerMixin


class OwnRateLimit(_MixinBase):
    """A project's own rate limiter: a frame with ``"limited": true`` is rejected and reported.

    Core has no rate limiter (chanx-mixins does); this one reports through the public
    :func:`~chanx.core.telemetry.report_rate_limited`, as any rate limiter must.
    """

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        frame = json.loads(text_data) if text_data and text_data.startswith("{") else {}
        if isinstance(frame, dict) and frame.get("limited"):
            report_rate_limited(self, frame.get("action"))
            await self.send_text('{"action":"error","payload":{"detail":"rate limited"}}')
            return
        await super().receive(text_data, bytes_data)
