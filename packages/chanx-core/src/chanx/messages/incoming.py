"""Standard frames a client may send."""

from __future__ import annotations

from typing import Literal

from chanx.messages.base import BaseMessage

__all__ = ["PingMessage"]


class PingMessage(BaseMessage):
    """Liveness probe; a consumer that handles it usually answers with ``PongMessage``."""

    action: Literal["ping"] = "ping"
    payload: None = None
