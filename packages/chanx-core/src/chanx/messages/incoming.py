"""Standard frames a client may send."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chanx.messages.base import BaseMessage

__all__ = ["AuthRefreshMessage", "AuthRefreshPayload", "PingMessage"]

#: Most credentials one refresh frame may carry per location.
MAX_REFRESH_CREDENTIALS = 8

_Name = Annotated[str, StringConstraints(min_length=1, max_length=64)]
_Value = Annotated[str, StringConstraints(max_length=4096)]
_Credentials = Annotated[dict[_Name, _Value], Field(max_length=MAX_REFRESH_CREDENTIALS)]


class PingMessage(BaseMessage):
    """Liveness probe; a consumer that handles it usually answers with ``PongMessage``."""

    action: Literal["ping"] = "ping"
    payload: None = None


class AuthRefreshPayload(BaseModel):
    """New credentials, by where the handshake carried them.

    Each entry replaces the value of that name in the handshake (``query``: a query string
    parameter, ``headers``: a header, case-insensitive, ``cookies``: a cookie); the others
    keep their handshake values. The consumer's authenticator then runs again on the result.
    """

    model_config = ConfigDict(extra="forbid")

    query: _Credentials = {}
    headers: _Credentials = {}
    cookies: _Credentials = {}


class AuthRefreshMessage(BaseMessage):
    """Refresh the authentication of an open connection before it expires.

    Understood by every consumer with an ``authenticator_class``; always discriminated by
    ``action`` (like error frames). The server answers with an ``authentication`` frame:
    status 200 and the new ``expires_at`` when the authenticator accepts the credentials
    (for the same user), else the refusal, followed by a close with ``4000 + status``.
    """

    action: Literal["auth_refresh"] = "auth_refresh"
    #: Required, possibly empty (``{}``: authenticate again with the handshake's credentials).
    payload: AuthRefreshPayload
