"""Frames the mixins accept from clients and send to them (all appear in AsyncAPI)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from chanx.messages.base import BaseMessage
from chanx.messages.outgoing import ErrorDetail, ErrorMessage

__all__ = [
    "PresenceConnection",
    "PresenceDiffMessage",
    "PresenceDiffPayload",
    "PresenceListMessage",
    "PresenceStateMessage",
    "PresenceStatePayload",
    "PresenceUser",
    "RateLimitErrorDetail",
    "RateLimitErrorMessage",
    "TypingStartMessage",
    "TypingStopMessage",
    "TypingUsersMessage",
    "TypingUsersPayload",
]


# -- presence ---------------------------------------------------------------------------------
class PresenceConnection(BaseModel):
    """One connection (tab, device) of a present user."""

    conn: str
    meta: dict[str, Any] = {}
    online_at: float


class PresenceUser(BaseModel):
    """A present user and their live connections."""

    user: str
    connections: list[PresenceConnection] = []


class PresenceStatePayload(BaseModel):
    """The whole presence state of a room."""

    room: str
    users: list[PresenceUser]
    #: Number of distinct present users.
    user_count: int
    #: Number of live connections (a user may have several).
    connection_count: int


class PresenceStateMessage(BaseMessage):
    """Full presence state: sent to a client when it joins and when it asks for it."""

    action: Literal["presence_state"] = "presence_state"
    payload: PresenceStatePayload


class PresenceDiffPayload(BaseModel):
    """Users who became present (``joins``) or stopped being present (``leaves``)."""

    room: str
    joins: list[PresenceUser] = []
    leaves: list[str] = []
    #: Number of distinct present users after this change.
    user_count: int


class PresenceDiffMessage(BaseMessage):
    """Presence changed: sent to everyone else in the room (a user joins once, leaves once)."""

    action: Literal["presence_diff"] = "presence_diff"
    payload: PresenceDiffPayload


class PresenceListMessage(BaseMessage):
    """Ask for the current presence state (answered with ``presence_state``)."""

    action: Literal["presence_list"] = "presence_list"
    payload: None = None


# -- typing -----------------------------------------------------------------------------------
class TypingStartMessage(BaseMessage):
    """The client's user is typing (send again while typing; repeats are throttled)."""

    action: Literal["typing_start"] = "typing_start"
    payload: None = None


class TypingStopMessage(BaseMessage):
    """The client's user stopped typing."""

    action: Literal["typing_stop"] = "typing_stop"
    payload: None = None


class TypingUsersPayload(BaseModel):
    """Who is typing in a room right now."""

    room: str
    typists: list[str]


class TypingUsersMessage(BaseMessage):
    """The set of typists changed: sent to the room except the connection that changed it."""

    action: Literal["typing_users"] = "typing_users"
    payload: TypingUsersPayload


# -- rate limiting ----------------------------------------------------------------------------
class RateLimitErrorDetail(ErrorDetail):
    """Error entry of a rejected frame: ``type`` is ``rate_limited``."""

    #: Seconds until the bucket has a token again.
    retry_after: float


class RateLimitErrorMessage(ErrorMessage):
    """Error frame answering a frame over the rate limit; the frame was not handled."""

    payload: list[RateLimitErrorDetail]
