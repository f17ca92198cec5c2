"""Messages of the project, in chanx 2.x's documented style."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from chanx.messages.base import BaseMessage


class ChatPayload(BaseModel):
    message: str


class ChatMessage(BaseMessage):
    action: Literal["chat"] = "chat"
    payload: ChatPayload


class ChatNotification(BaseMessage):
    action: Literal["chat_notification"] = "chat_notification"
    payload: ChatPayload


class StartJob(BaseMessage):
    action: Literal["start_job"] = "start_job"
    payload: int  # how many steps


class JobAccepted(BaseMessage):
    action: Literal["job_accepted"] = "job_accepted"
    payload: int


class JobProgressEvent(BaseMessage):
    action: Literal["job_progress_event"] = "job_progress_event"
    payload: int


class JobProgress(BaseMessage):
    action: Literal["job_progress"] = "job_progress"
    payload: int


class Welcome(BaseMessage):
    action: Literal["welcome"] = "welcome"
    payload: str
