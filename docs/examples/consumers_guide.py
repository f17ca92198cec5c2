"""Consumers and decorators: every way a handler can answer, in one room consumer."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel

from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage

logger = logging.getLogger(__name__)


# -- messages a client sends ---------------------------------------------------------------
class EchoRequest(BaseMessage):
    action: Literal["echo"] = "echo"
    payload: str


class SayMessage(BaseMessage):
    action: Literal["say"] = "say"
    payload: str


class LogMessage(BaseMessage):
    action: Literal["log"] = "log"
    payload: str


# -- messages the server sends -------------------------------------------------------------
class EchoReply(BaseMessage):
    action: Literal["echo_reply"] = "echo_reply"
    payload: str


class RoomNotification(BaseMessage):
    action: Literal["room_notification"] = "room_notification"
    payload: str


class JobStatus(BaseMessage):
    action: Literal["job_status"] = "job_status"
    payload: dict[str, str]


class Progress(BaseMessage):
    action: Literal["progress"] = "progress"
    payload: int


# -- events: sent by server code through the channel layer ---------------------------------
class JobFinished(BaseMessage):
    action: Literal["job_finished"] = "job_finished"
    payload: str


class ImportRequested(BaseMessage):
    action: Literal["import_requested"] = "import_requested"
    payload: int  # number of steps


class UserJoined(BaseMessage):
    action: Literal["user_joined"] = "user_joined"
    payload: str


class UserLeft(BaseMessage):
    action: Literal["user_left"] = "user_left"
    payload: str


class MessageEdited(BaseMessage):
    action: Literal["message_edited"] = "message_edited"
    payload: str


@channel(name="room", description="A room with echo, broadcast and job updates", tags=["rooms"])
class RoomConsumer(AsyncJsonWebsocketConsumer):
    groups = ["room"]
    passthrough_events = [UserJoined, UserLeft]  # forwarded to the client as they are

    # 1. Return a message: it goes back to the sender only.
    @ws_handler(summary="Echo a text back to the sender")
    async def handle_echo(self, message: EchoRequest) -> EchoReply:
        return EchoReply(payload=message.payload)

    # 2. Return nothing, broadcast instead; output_type documents what is sent.
    @ws_handler(output_type=RoomNotification, tags=["chat"])
    async def handle_say(self, message: SayMessage) -> None:
        await self.broadcast_message(RoomNotification(payload=message.payload))

    # 3. No answer at all.
    @ws_handler
    async def handle_log(self, message: LogMessage) -> None:
        logger.info("client log: %s", message.payload)

    # An event's return value goes to the client of each connection that receives it.
    @event_handler
    async def handle_job_finished(self, event: JobFinished) -> JobStatus:
        return JobStatus(payload={"job": event.payload, "status": "done"})

    # Several messages for one event: send them yourself.
    @event_handler(output_type=Progress)
    async def handle_import_requested(self, event: ImportRequested) -> None:
        for step in range(1, event.payload + 1):
            await self.send_message(Progress(payload=step))


# -- passthrough events merge through the MRO ----------------------------------------------
class PresenceEventsMixin:
    """A mixin contributes its passthrough events; subclasses add theirs on top."""

    passthrough_events: Sequence[type[BaseModel]] = [UserJoined, UserLeft]


class EditorConsumer(PresenceEventsMixin, AsyncJsonWebsocketConsumer):
    passthrough_events = [MessageEdited]  # the consumer forwards all three
    passthrough_method_prefix = "forward_"  # forward_user_joined, forward_message_edited...

    @event_handler  # an explicit handler wins over the passthrough one
    async def announce_join(self, event: UserJoined) -> RoomNotification:
        return RoomNotification(payload=f"{event.payload} joined")
