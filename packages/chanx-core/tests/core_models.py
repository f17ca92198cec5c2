"""Message models shared by the core tests (module level, so annotations resolve)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from chanx.messages.base import BaseChannelEvent, BaseMessage


class ChatPayload(BaseModel):
    message: str
    user_name: str = "anon"


class ChatMessage(BaseMessage):
    action: Literal["chat"] = "chat"
    payload: ChatPayload


class ChatNotification(BaseMessage):
    action: Literal["chat_notification"] = "chat_notification"
    payload: ChatPayload


class LogMessage(BaseMessage):
    action: Literal["log"] = "log"
    payload: str


class BoomMessage(BaseMessage):
    action: Literal["boom"] = "boom"


class SlowMessage(BaseMessage):
    action: Literal["slow"] = "slow"
    payload: float


class EchoMessage(BaseMessage):
    action: Literal["echo"] = "echo"
    payload: int


class JobResult(BaseMessage):
    action: Literal["job_result"] = "job_result"
    payload: str


class UserJoined(BaseChannelEvent):
    handler: Literal["user_joined"] = "user_joined"
    payload: str


class UserJoinedNotification(BaseMessage):
    action: Literal["user_joined_notification"] = "user_joined_notification"
    payload: str


class UserLeftNotification(BaseMessage):
    action: Literal["user_left_notification"] = "user_left_notification"
    payload: str


class MessageUpdated(BaseMessage):
    action: Literal["message_updated"] = "message_updated"
    payload: str


class HangMessage(BaseMessage):
    """A frame whose handler never returns (cancelled by ``handler_timeout``)."""

    action: Literal["hang"] = "hang"


class DeleteMessage(BaseMessage):
    """A frame behind a permission that refuses it."""

    action: Literal["delete"] = "delete"
