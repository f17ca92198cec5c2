"""Quick start: a chat room on FastAPI. Run it with ``uvicorn chat_app:app``."""

from __future__ import annotations

from typing import Literal

from fastapi import FastAPI
from pydantic import BaseModel

from chanx.core.decorators import channel, ws_handler
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage


class ChatPayload(BaseModel):
    message: str


class ChatMessage(BaseMessage):
    """A client says something to the room."""

    action: Literal["chat"] = "chat"
    payload: ChatPayload


class ChatNotification(BaseMessage):
    """What every member of the room receives."""

    action: Literal["chat_notification"] = "chat_notification"
    payload: ChatPayload


@channel(name="chat", description="One chat room: every message goes to everyone connected")
class ChatConsumer(AsyncJsonWebsocketConsumer):
    groups = ["lobby"]  # joined on connect, the default target of broadcast_message()

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()  # a returned message goes back to the sender only

    @ws_handler(output_type=ChatNotification)
    async def handle_chat(self, message: ChatMessage) -> None:
        await self.broadcast_message(ChatNotification(payload=message.payload))


app = FastAPI()
app.add_api_websocket_route("/ws/chat", ChatConsumer.as_asgi())
