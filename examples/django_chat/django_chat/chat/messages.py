"""Messages and events of the chat rooms (the types the seed's complete example names)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from chanx.messages.base import BaseMessage


class ChatPayload(BaseModel):
    """What a client says."""

    message: str


class JoinRoomPayload(BaseModel):
    """A room a client asks to join."""

    room_id: int


class UserPayload(BaseModel):
    """Who an event is about."""

    username: str


class ChatNotificationPayload(BaseModel):
    """A chat line as every room member receives it."""

    message: str
    username: str
    room_id: int


class ChatNotificationMessage(BaseMessage):
    """Broadcast to the room for every chat line."""

    action: Literal["chat_notification"] = "chat_notification"
    payload: ChatNotificationPayload


class UserJoinedPayload(BaseModel):
    """Announcement that someone joined."""

    username: str
    message: str


class UserJoinedMessage(BaseMessage):
    """Sent to the room's clients when someone joins."""

    action: Literal["user_joined"] = "user_joined"
    payload: UserJoinedPayload


class AnnouncementMessage(BaseMessage):
    """A system announcement for every client of a room."""

    action: Literal["announcement"] = "announcement"
    payload: str


class MembersMessage(BaseMessage):
    """Asks for the members of the room."""

    action: Literal["members"] = "members"


class MemberListMessage(BaseMessage):
    """The usernames of the room's members."""

    action: Literal["member_list"] = "member_list"
    payload: list[str]
