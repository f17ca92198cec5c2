"""Topics shared by the topic end-to-end apps (``topics_asgi_app``, ``topics_django_app``).

Environment: ``REDIS_URL`` (unset: in-process history and layer), ``HISTORY_REDIS_URL`` (the
history's own Redis, default ``REDIS_URL``) and ``TOPICS_PREFIX`` (keeps tests sharing one
Redis apart). ``RoomTopic`` keeps a recovery history (``ROOM_HISTORY``
entries, in Redis when ``REDIS_URL`` is set); ``RunTopic`` has none. Leaving a room announces
it in ``lobby:main``, so a test can observe ``on_unsubscribe`` from outside.
"""

from __future__ import annotations

import os
from typing import Literal

from chanx.core.decorators import event_handler, ws_handler
from chanx.core.history import HistoryStore
from chanx.core.topic import Topic
from chanx.messages.base import BaseMessage

REDIS_URL = os.environ.get("REDIS_URL") or None
PREFIX = os.environ.get("TOPICS_PREFIX", "chanx-topics-e2e")


def history() -> HistoryStore | None:
    url = os.environ.get("HISTORY_REDIS_URL") or REDIS_URL
    if url is None:
        return None
    from chanx.core.history_redis import RedisHistoryStore

    return RedisHistoryStore(url, prefix=f"{PREFIX}:history")


class Line(BaseMessage):
    action: Literal["line"] = "line"
    payload: str


class Cancel(BaseMessage):
    action: Literal["cancel"] = "cancel"


class Cancelled(BaseMessage):
    action: Literal["cancelled"] = "cancelled"
    payload: str


class RoomTopic(Topic[Line]):
    """A chat room with missed-message recovery."""

    pattern = "room:{room}"
    recovery = True
    history = history()
    history_size = int(os.environ.get("ROOM_HISTORY", "1000"))

    async def authorize(self, room: str) -> bool:
        return room != "vip" or self.scope.get("query_string", b"") == b"vip=1"

    async def on_unsubscribe(self) -> None:
        await LobbyTopic.broadcast("lobby:main", Line(payload=f"left {self.topic}"))

    @event_handler
    async def on_line(self, event: Line) -> Line:
        return event


class LobbyTopic(Topic[Line]):
    pattern = "lobby:{name}"

    @event_handler
    async def on_line(self, event: Line) -> Line:
        return event


class RunTopic(Topic[Line]):
    """A job; its own ``cancel``."""

    pattern = "run:{run_id}"

    @ws_handler
    async def cancel(self, message: Cancel) -> Cancelled:
        return Cancelled(payload=f"run {self.params['run_id']} cancelled")

    @event_handler
    async def on_line(self, event: Line) -> Line:
        return event


TOPICS = {"room": RoomTopic, "lobby": LobbyTopic, "run": RunTopic}
MAX_TOPICS = 4
