"""Topics: one socket, many subscriptions, and missed messages recovered after a reconnect.

``/ws`` multiplexes two topics: ``room:{room}`` (a chat room that keeps a history, so a
reconnecting client gets what it missed) and ``job:{job_id}`` (a job's progress, with a
``cancel`` action of its own). ``/ws/jobs/{job_id}`` serves one job on a route of its own.
Run it: ``uvicorn topics_app:app --app-dir docs/examples``.
"""

from __future__ import annotations

from typing import Literal

from fastapi import FastAPI

from chanx.core.decorators import event_handler, ws_handler
from chanx.core.topic import Topic
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage


class Said(BaseMessage):
    action: Literal["said"] = "said"
    payload: str


class Progress(BaseMessage):
    action: Literal["progress"] = "progress"
    payload: int


class Cancel(BaseMessage):
    action: Literal["cancel"] = "cancel"


class Cancelled(BaseMessage):
    action: Literal["cancelled"] = "cancelled"
    payload: str


class RoomTopic(Topic[Said]):
    """A chat room; late or reconnecting clients catch up from its history."""

    pattern = "room:{room}"
    recovery = True  # number publishes and keep the last ones
    history_size = 500  # per room
    history_ttl = 300.0  # seconds

    async def authorize(self, room: str) -> bool:
        return not room.startswith("staff-") or self.scope.get("user") == "staff"

    @event_handler
    async def on_said(self, event: Said) -> Said:
        return event


class JobTopic(Topic[Progress]):
    """A job's progress bar."""

    pattern = "job:{job_id}"
    cancelled: set[str] = set()

    async def on_subscribe(self) -> None:
        await self.send_message(Progress(payload=0))  # a push: no ref

    @ws_handler
    async def cancel(self, message: Cancel) -> Cancelled:
        self.cancelled.add(self.params["job_id"])
        return Cancelled(payload=self.params["job_id"])

    @event_handler
    async def on_progress(self, event: Progress) -> Progress:
        return event


class HubConsumer(AsyncJsonWebsocketConsumer):
    """Every topic over one connection."""

    topics = [RoomTopic, JobTopic]
    max_topics = 20


app = FastAPI()
app.add_api_websocket_route("/ws", HubConsumer.as_asgi())
app.add_api_websocket_route("/ws/jobs/{job_id}", JobTopic.as_consumer().as_asgi())


@app.post("/rooms/{room}")
async def say(room: str, text: str) -> dict[str, str]:
    """Publish to a room from an HTTP endpoint (any process sharing the layer works too)."""
    await RoomTopic.broadcast(f"room:{room}", Said(payload=text))
    return {"sent": text}
