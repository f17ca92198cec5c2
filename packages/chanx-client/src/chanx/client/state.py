"""The client's life as one state value."""

from __future__ import annotations

from enum import Enum

__all__ = [
    "ClientState",
]


class ClientState(Enum):
    """Where the client is in its life; one value instead of several flags."""

    IDLE = "idle"
    CONNECTING = "connecting"
    OPEN = "open"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"
