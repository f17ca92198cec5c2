from typing import Literal

from pydantic import BaseModel

from chanx.messages.base import BaseChannelEvent, BaseMessage


class ChatPayload(BaseModel):
    text: str


class ChatMessage(BaseMessage):
    action: Literal["chat"] = "chat"
    payload: ChatPayload


class ChatLinePayload(BaseModel):
    text: str
    author: str
    room: str


class ChatLineMessage(BaseMessage):
    action: Literal["chat_line"] = "chat_line"
    payload: ChatLinePayload


class AnnouncementPayload(BaseModel):
    text: str


class AnnouncementEvent(BaseChannelEvent):
    handler: Literal["announcement"] = "announcement"
    payload: AnnouncementPayload


class AnnouncementMessage(BaseMessage):
    action: Literal["announcement"] = "announcement"
    payload: AnnouncementPayload
