"""A Celery-style task: a plain function a worker process runs outside any server.

With Celery you would decorate it with ``@shared_task``; the body is the same.
"""

from __future__ import annotations

from django_chat.chat.events import announce_join


def notify_user_joined(room_id: int, username: str) -> str:
    """Broadcast the join through the channel layer (Redis when several processes run)."""
    announce_join(room_id, username)
    return f"notified room {room_id}"
