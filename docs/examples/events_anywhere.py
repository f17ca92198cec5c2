"""Events from anywhere: an HTTP endpoint, a worker thread and a plain function."""

from __future__ import annotations

import threading
from typing import Literal

from fastapi import FastAPI

from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage


class Announcement(BaseMessage):
    """Event: something every connected client should hear about."""

    action: Literal["announcement"] = "announcement"
    payload: str


class PrivateNote(BaseMessage):
    """Event: a note for one connection."""

    action: Literal["private_note"] = "private_note"
    payload: str


class NewsConsumer(AsyncJsonWebsocketConsumer):
    groups = ["news"]
    passthrough_events = [Announcement, PrivateNote]


app = FastAPI()
app.add_api_websocket_route("/ws/news", NewsConsumer.as_asgi())


@app.post("/announce")
async def announce(text: str) -> dict[str, str]:
    """An HTTP endpoint pushes to every WebSocket in the ``news`` group."""
    await NewsConsumer.broadcast_event(Announcement(payload=text))
    return {"status": "sent"}


def nightly_report(text: str) -> None:
    """Synchronous code (a thread, a task queue worker, a script) uses the *_sync twins."""
    NewsConsumer.broadcast_event_sync(Announcement(payload=text), groups=["news"])


def notify_one(channel_name: str, text: str) -> None:
    """Reach one connection by its channel name (store it when the client connects)."""
    NewsConsumer.send_event_sync(PrivateNote(payload=text), channel_name)


def report_in_background(text: str) -> threading.Thread:
    worker = threading.Thread(target=nightly_report, args=(text,))
    worker.start()
    return worker
