"""Spy on the events a consumer class broadcasts, with or without delivering them.

.. code-block:: python

    with capture_broadcast_events(OrderConsumer) as seen:
        await OrderConsumer.broadcast_event(OrderShipped(payload=7), "orders")
    assert seen[0].groups == "orders"
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync

__all__ = ["CapturedBroadcastEvent", "capture_broadcast_events"]


@dataclass(slots=True)
class CapturedBroadcastEvent:
    """One ``broadcast_event`` call: the event and ``groups`` exactly as the caller passed it."""

    event: Any
    groups: Iterable[str] | str | None


@contextlib.contextmanager
def capture_broadcast_events(
    consumer: type[Any], suppress: bool = True
) -> Iterator[list[CapturedBroadcastEvent]]:
    """Record every ``broadcast_event`` of ``consumer`` (and its subclasses) in a list.

    Calls through the class, through an instance and through ``broadcast_event_sync`` are all
    recorded. With ``suppress=True`` nothing reaches the channel layer; with ``False`` the
    event is delivered as usual after being recorded. The class is restored on exit.
    """
    seen: list[CapturedBroadcastEvent] = []
    own = vars(consumer)
    saved = {name: own[name] for name in ("broadcast_event", "broadcast_event_sync") if name in own}
    original = consumer.broadcast_event  # bound to ``consumer``

    async def broadcast_event(cls: type[Any], event: Any, groups: Any = None) -> None:
        seen.append(CapturedBroadcastEvent(event, groups))
        if not suppress:
            await original.__func__(cls, event, groups)

    def broadcast_event_sync(cls: type[Any], event: Any, groups: Any = None) -> None:
        async_to_sync(cls.broadcast_event)(event, groups)

    # The sync twin is replaced too, so it is recorded however the consumer implements it.
    consumer.broadcast_event = classmethod(broadcast_event)
    consumer.broadcast_event_sync = classmethod(broadcast_event_sync)
    try:
        yield seen
    finally:
        for name in ("broadcast_event", "broadcast_event_sync"):
            if name in saved:
                setattr(consumer, name, saved[name])
            else:
                delattr(consumer, name)
