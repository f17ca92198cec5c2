"""Standard frames the server sends."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from chanx.messages.base import BaseMessage

__all__ = [
    "AuthenticationMessage",
    "AuthenticationPayload",
    "CompleteMessage",
    "ErrorDetail",
    "ErrorMessage",
    "EventCompleteMessage",
    "GroupCompleteMessage",
    "PongMessage",
]


class PongMessage(BaseMessage):
    """Answer to ``PingMessage``."""

    action: Literal["pong"] = "pong"
    payload: None = None


class ErrorDetail(BaseModel):
    """One error entry, shaped like a Pydantic error: ``type``, ``loc`` and ``msg``.

    Extra keys are allowed so that extensions can add context (rate limiting adds
    ``retry_after``). Entries never contain the offending input.
    """

    model_config = ConfigDict(extra="allow")

    type: str
    loc: list[str | int] = []
    msg: str


class ErrorMessage(BaseMessage):
    """Sent when a frame cannot be processed; the connection stays open.

    The payload is a list of :class:`ErrorDetail` entries for a frame that failed validation,
    ``{"detail": ...}`` when its handler failed, ``{"reason": ..., "detail": ...}`` for topic
    errors.
    """

    action: Literal["error"] = "error"
    payload: list[ErrorDetail] | dict[str, Any] | Any = None


class CompleteMessage(BaseMessage):
    """Sent last for each client frame that reached validation, when ``send_completion`` is on."""

    action: Literal["complete"] = "complete"
    payload: None = None


class GroupCompleteMessage(BaseMessage):
    """Sent after each relayed broadcast on each receiver, when ``send_completion`` is on."""

    action: Literal["group_complete"] = "group_complete"
    payload: None = None


class EventCompleteMessage(BaseMessage):
    """Sent after each event reached its event handler, when ``send_completion`` is on."""

    action: Literal["event_complete"] = "event_complete"
    payload: None = None


class AuthenticationPayload(BaseModel):
    """Outcome of the authentication of a connection: the status and a body (``data``)."""

    status_code: int
    status_text: str
    #: The body of the outcome, e.g. ``{"detail": "Not allowed here"}``.
    data: Any = None


class AuthenticationMessage(BaseMessage):
    """The outcome of authentication; on failure the server closes with ``4000 + status``."""

    action: Literal["authentication"] = "authentication"
    payload: AuthenticationPayload
