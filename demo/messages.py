"""Frames and events of the demo chat."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from chanx.messages.base import BaseMessage

__all__ = [
    "AnnouncementEvent",
    "AnnouncementMessage",
    "ChatMessage",
    "ChatNotificationMessage",
    "ChatNotificationPayload",
    "ChatPayload",
    "UserJoinedMessage",
    "UserPayload",
]


class ChatPayload(BaseModel):
    """What a client types."""

    message: str = Field(min_length=1, max_length=2000)


class ChatMessage(BaseMessage):
    """Client -> server: say something in the room."""

    action: Literal["chat"] = "chat"
    payload: ChatPayload


class ChatNotificationPayload(BaseModel):
    """A chat line as everyone in the room sees it."""

    message: str
    username: str
    room: str
    #: When the server received it (UTC; the page shows it in local time).
    sent_at: datetime


class ChatNotificationMessage(BaseMessage):
    """Server -> clients of a room: somebody said something."""

    action: Literal["chat_notification"] = "chat_notification"
    payload: ChatNotificationPayload


class UserPayload(BaseModel):
    """Who joined and where."""

    username: str
    room: str


class UserJoinedMessage(BaseMessage):
    """Server -> the other clients of a room: somebody joined."""

    action: Literal["user_joined"] = "user_joined"
    payload: UserPayload


class AnnouncementEvent(BaseMessage):
    """Server-side event (from the HTTP API): an announcement for one room."""

    action: Literal["announce"] = "announce"
    payload: str


class AnnouncementMessage(BaseMessage):
    """Server -> clients of a room: an announcement pushed through the HTTP API."""

    action: Literal["announcement"] = "announcement"
    payload: str
