"""Test helper for topic publishes: record ``Topic.broadcast`` calls instead of sending them.

``capture_topic_broadcasts(RoomTopic)`` patches the class method for the duration of a
``with`` block, so code under test that publishes (views, tasks, handlers; ``broadcast_sync``
too) is observed without a channel layer or history store.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from chanx.core.topic import Topic

__all__ = ["CapturedTopicBroadcast", "capture_topic_broadcasts"]

_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class CapturedTopicBroadcast:
    """One recorded ``Topic.broadcast(topic, event, seq=...)`` call."""

    topic: str
    event: BaseModel
    seq: int | None


@contextlib.contextmanager
def capture_topic_broadcasts(
    topic_class: type[Topic[Any]], *, suppress: bool = True
) -> Iterator[list[CapturedTopicBroadcast]]:
    """Record every ``broadcast`` of ``topic_class`` (and its subclasses) inside the block.

    With ``suppress=True`` nothing reaches the layer or the history; with False the original
    runs too. The class is restored on exit.

    >>> with capture_topic_broadcasts(RoomTopic) as seen:  # doctest: +SKIP
    ...     await RoomTopic.broadcast("room:1", Line(payload="hi"))
    >>> seen[0].topic  # doctest: +SKIP
    'room:1'
    """
    seen: list[CapturedTopicBroadcast] = []
    own = vars(topic_class).get("broadcast", _MISSING)
    original = topic_class.broadcast.__func__  # type: ignore[attr-defined]

    async def recording(cls: type[Topic[Any]], topic: str, event: Any, *, seq: Any = None) -> None:
        seen.append(CapturedTopicBroadcast(topic, event, seq))
        if not suppress:
            await original(cls, topic, event, seq=seq)

    topic_class.broadcast = classmethod(recording)  # type: ignore[assignment, method-assign]
    try:
        yield seen
    finally:
        if own is _MISSING:
            del topic_class.broadcast
        else:
            topic_class.broadcast = own  # type: ignore[method-assign]
