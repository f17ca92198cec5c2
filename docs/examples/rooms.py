"""Messages and routing: payload models, groups chosen at connect time, camelCase, refs."""

from __future__ import annotations

from typing import Literal

from fastapi import FastAPI
from pydantic import BaseModel, Field

from chanx.core.decorators import ws_handler
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage


class PostPayload(BaseModel):
    text: str = Field(min_length=1, max_length=500)
    reply_to: int | None = None


class PostMessage(BaseMessage):
    action: Literal["post"] = "post"
    payload: PostPayload


class NewPost(BaseMessage):
    action: Literal["new_post"] = "new_post"
    payload: PostPayload


class MemberJoined(BaseMessage):
    action: Literal["member_joined"] = "member_joined"
    payload: str  # the room


class RoomConsumer(AsyncJsonWebsocketConsumer):
    """Each URL ``/ws/rooms/{room}`` is its own group."""

    async def post_authentication(self) -> None:
        room = self.scope["path_params"]["room"]
        group = f"room_{room}"
        assert self.channel_layer is not None
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups.append(group)  # broadcasts default to it; left on disconnect
        # Tell the others, not yourself.
        await self.broadcast_message(MemberJoined(payload=room), exclude_current=True)

    @ws_handler(output_type=NewPost)
    async def handle_post(self, message: PostMessage) -> None:
        await self.broadcast_message(NewPost(payload=message.payload))


class CamelPostConsumer(AsyncJsonWebsocketConsumer):
    """Python keeps snake_case; the wire speaks camelCase (``replyTo``)."""

    camelize = True
    groups = ["camel"]

    @ws_handler
    async def handle_post(self, message: PostMessage) -> NewPost:
        return NewPost(payload=message.payload)


class Command(BaseModel):
    """Messages need not subclass BaseMessage: any model with a Literal discriminator routes."""

    type: Literal["command"] = "command"
    name: str


class CommandResult(BaseModel):
    type: Literal["command_result"] = "command_result"
    ok: bool


class CommandConsumer(AsyncJsonWebsocketConsumer):
    discriminator_field = "type"  # route on "type" instead of "action"
    channel_layer_alias = None  # no groups, no events: no channel layer needed

    @ws_handler
    async def handle_command(self, message: Command) -> CommandResult:
        return CommandResult(ok=message.name == "start")


app = FastAPI()
app.add_api_websocket_route("/ws/rooms/{room}", RoomConsumer.as_asgi())
