"""Sending events from sync code: the one function a view, a command and a task all call."""

from __future__ import annotations

from django_chat.chat.consumers import RoomChatConsumer, UserJoinedEvent, UserPayload


def announce_join(room_id: int, username: str) -> None:
    """Tell every client of room ``room_id`` that ``username`` joined (blocking)."""
    RoomChatConsumer.broadcast_event_sync(
        UserJoinedEvent(payload=UserPayload(username=username)), groups=[f"room_{room_id}"]
    )
