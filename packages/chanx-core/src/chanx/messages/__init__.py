"""Typed messages exchanged over a chanx WebSocket.

``base`` holds the base classes users subclass; ``incoming`` the standard frames a client
sends; ``outgoing`` the standard frames the server sends.
"""

from chanx.messages.base import BaseChannelEvent, BaseMessage
from chanx.messages.incoming import AuthRefreshMessage, AuthRefreshPayload, PingMessage
from chanx.messages.outgoing import (
    AuthenticationMessage,
    AuthenticationPayload,
    CompleteMessage,
    ErrorDetail,
    ErrorMessage,
    PongMessage,
)

__all__ = [
    "AuthRefreshMessage",
    "AuthRefreshPayload",
    "AuthenticationMessage",
    "AuthenticationPayload",
    "BaseChannelEvent",
    "BaseMessage",
    "CompleteMessage",
    "ErrorDetail",
    "ErrorMessage",
    "PingMessage",
    "PongMessage",
]
