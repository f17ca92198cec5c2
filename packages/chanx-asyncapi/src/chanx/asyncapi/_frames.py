"""Frames the core writes as fixed text and has no message class for (yet).

With ``send_completion`` on, the core sends ``{"action": "group_complete", "payload": null}``
after each broadcast it relays and ``{"action": "event_complete", "payload": null}`` after
each event it handles. These models document exactly those frames.
"""

from __future__ import annotations

from typing import Literal

from chanx.messages.base import BaseMessage

__all__ = ["EventCompleteFrame", "GroupCompleteFrame"]


class GroupCompleteFrame(BaseMessage):
    """Sent after each broadcast relayed to this client (``send_completion`` is on)."""

    action: Literal["group_complete"] = "group_complete"
    payload: None = None


class EventCompleteFrame(BaseMessage):
    """Sent after each channel-layer event this connection handled (``send_completion`` is on)."""

    action: Literal["event_complete"] = "event_complete"
    payload: None = None
