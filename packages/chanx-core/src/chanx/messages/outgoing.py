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
    """Sent when a frame cannot be processed; the connection stays open."""

    action: Literal["error"] = "error"
    payload: list[ErrorDetail]


class CompleteMessage(BaseMessage):
    """Sent after a frame's handler finished, when the consumer sets ``send_completion``."""

    action: Literal["complete"] = "complete"
    payload: None = None


class AuthenticationPayload(BaseModel):
    """Outcome of the authentication of a connection."""

    status_code: int
    status_text: str
    detail: str | None = None
    data: dict[str, Any] | None = None


class AuthenticationMessage(BaseMessage):
    """Sent when authentication fails, just before the server closes with ``4000 + status``."""

    action: Literal["authentication"] = "authentication"
    payload: AuthenticationPayload
