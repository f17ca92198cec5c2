"""The benchmark app shape written for chanx 2.13, served from its own venv.

Only chanx 2.x's documented API is used: its fast-channels consumer base, the ``ws_handler`` /
``event_handler`` decorators, ``BaseMessage`` and the ping/pong messages, a layer registered with
fast-channels' ``register_channel_layer`` (fast-channels' ``InMemoryChannelLayer``, as the
chanx 2.x and fast-channels docs set it up). The protocol is the one of
:mod:`bench._asgi_apps` (``ping``, ``chat``, ``publish``), so both run through one harness.
This module must not import anything of this repository: it runs against chanx 2.13.
"""

from __future__ import annotations

from typing import Any, Literal

from fast_channels.layers import InMemoryChannelLayer, register_channel_layer
from fastapi import FastAPI
from pydantic import BaseModel
from starlette.routing import WebSocketRoute

from chanx.core.decorators import ws_handler
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage


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


class Bench213Consumer(AsyncJsonWebsocketConsumer):
    """ping, chat and publish, as the consumer of the current chanx in bench._asgi_apps."""

    channel_layer_alias = "default"
    groups = ["bench"]

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler
    async def handle_chat(self, message: ChatMessage) -> ChatReceived:
        return ChatReceived(payload=len(message.payload.text))

    @ws_handler(output_type=ItemMessage)
    async def handle_publish(self, message: PublishMessage) -> None:
        await self.broadcast_message(ItemMessage(payload=message.payload))


def create_app() -> Any:
    """uvicorn factory: the consumer on ``/chanx`` with fast-channels' in-memory layer."""
    register_channel_layer("default", InMemoryChannelLayer())
    app = FastAPI()
    app.router.routes.append(WebSocketRoute("/chanx", Bench213Consumer.as_asgi()))
    return app
