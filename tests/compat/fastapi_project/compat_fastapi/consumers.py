"""Consumers: a chat room per URL and a background-job socket."""

from __future__ import annotations

import asyncio

from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer, ReceiveEvent
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from compat_fastapi.messages import (
    ChatMessage,
    ChatNotification,
    JobAccepted,
    JobProgress,
    JobProgressEvent,
    StartJob,
    Welcome,
)


class BaseConsumer(AsyncJsonWebsocketConsumer[ReceiveEvent]):
    """The project's base: completion frames on, the default layer."""

    send_completion = True
    channel_layer_alias = "default"


@channel(name="room", description="A chat room", tags=["chat"])
class RoomConsumer(BaseConsumer):
    emits = [Welcome]

    async def post_authentication(self) -> None:
        room = self.url_params["room_name"]
        await self.join_group(f"room_{room}")
        await self.send_message(Welcome(payload=room))

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(output_type=ChatNotification)
    async def handle_chat(self, message: ChatMessage) -> None:
        room = self.url_params["room_name"]
        await self.broadcast_message(
            ChatNotification(payload=message.payload), groups=[f"room_{room}"]
        )


@channel(name="jobs", description="Background jobs reporting progress")
class JobConsumer(BaseConsumer):
    @ws_handler
    async def handle_start_job(self, message: StartJob) -> JobAccepted:
        asyncio.get_running_loop().create_task(run_job(self.channel_name, message.payload))
        return JobAccepted(payload=message.payload)

    @event_handler
    async def job_progress(self, event: JobProgressEvent) -> JobProgress:
        return JobProgress(payload=event.payload)


async def run_job(channel_name: str, steps: int) -> None:
    """A background job: reports each finished step to the connection that started it."""
    for step in range(1, steps + 1):
        await asyncio.sleep(0)
        await JobConsumer.send_event(JobProgressEvent(payload=step), channel_name)
