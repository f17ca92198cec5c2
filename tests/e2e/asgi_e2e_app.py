"""The FastAPI app the ASGI end-to-end tests serve with uvicorn (``--app-dir tests/e2e``).

Configured by environment: ``REDIS_URL`` (unset: in-memory layer), ``CHANX_LAYER_KIND``
(``core`` or ``pubsub``) and ``CHANX_LAYER_PREFIX`` (a prefix per test keeps tests sharing one
Redis apart).
"""

from __future__ import annotations

import os
from typing import Literal

from fastapi import FastAPI

from chanx.core.decorators import event_handler, ws_handler
from chanx.fast_channels.layers import setup_layers
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

KIND: Literal["core", "pubsub"] = (
    "pubsub" if os.environ.get("CHANX_LAYER_KIND") == "pubsub" else "core"
)
setup_layers(
    os.environ.get("REDIS_URL") or None,
    kind=KIND,
    prefix=os.environ.get("CHANX_LAYER_PREFIX", "chanx-e2e"),
)


class ChatMessage(BaseMessage):
    action: Literal["chat"] = "chat"
    payload: str


class CountMessage(BaseMessage):
    action: Literal["count"] = "count"
    payload: int


class BoomMessage(BaseMessage):
    action: Literal["boom"] = "boom"


class WhoAmIMessage(BaseMessage):
    action: Literal["whoami"] = "whoami"


class IdentityMessage(BaseMessage):
    action: Literal["identity"] = "identity"
    payload: dict[str, str | int]


class NoticeEvent(BaseMessage):
    action: Literal["notice"] = "notice"
    payload: str


class NoticeMessage(BaseMessage):
    action: Literal["notice_message"] = "notice_message"
    payload: str


class E2EConsumer(AsyncJsonWebsocketConsumer[NoticeEvent]):
    """Everyone joins ``e2e``; chat lines and notices go to the whole group."""

    groups = ["e2e"]
    max_message_size = 4096

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(output_type=ChatMessage)
    async def handle_chat(self, message: ChatMessage) -> None:
        await self.broadcast_message(message)

    @ws_handler
    async def handle_count(self, message: CountMessage) -> CountMessage:
        return message

    @ws_handler
    async def handle_boom(self, message: BoomMessage) -> None:
        raise RuntimeError("SECRET internal failure")

    @ws_handler
    async def handle_whoami(self, message: WhoAmIMessage) -> IdentityMessage:
        return IdentityMessage(payload={"channel": self.channel_name, "pid": os.getpid()})

    @event_handler
    async def handle_notice(self, event: NoticeEvent) -> NoticeMessage:
        return NoticeMessage(payload=event.payload)


app = FastAPI()
app.add_api_websocket_route("/ws", E2EConsumer.as_asgi())


@app.post("/notice")
async def notice(text: str) -> dict[str, int]:
    """Broadcast a notice event to the ``e2e`` group from this process."""
    await E2EConsumer.broadcast_event(NoticeEvent(payload=text))
    return {"pid": os.getpid()}


@app.post("/direct")
async def direct(text: str, channel: str) -> dict[str, int]:
    """Send a notice event to one connection, wherever it is connected."""
    await E2EConsumer.send_event(NoticeEvent(payload=text), channel)
    return {"pid": os.getpid()}


@app.get("/health")
async def health() -> dict[str, int | str]:
    """Process id and layer kind, so tests can tell their servers apart."""
    return {"pid": os.getpid(), "kind": KIND if os.environ.get("REDIS_URL") else "memory"}
