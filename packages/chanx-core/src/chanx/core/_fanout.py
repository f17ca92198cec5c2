"""Several telemetry observers installed together, called as one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from chanx.core.telemetry import (
    ConnectionEvent,
    EventOutcome,
    FrameOutcome,
    Observer,
    ObserverBase,
)

if TYPE_CHECKING:
    from chanx.core.connection import Connection as CoreConnection
    from chanx.core.envelope import Ref

__all__ = ["Fanout", "Pair", "combine"]


class Fanout(ObserverBase):
    """Several observers as one; tokens are the tuple of each observer's token."""

    def __init__(self, observers: tuple[Observer, ...]) -> None:
        self.observers = observers

    def connection_event(
        self, consumer: CoreConnection, event: ConnectionEvent, code: int | None
    ) -> None:
        for o in self.observers:
            o.connection_event(consumer, event, code)

    def connection_ended(self, consumer: CoreConnection) -> None:
        for o in self.observers:
            o.connection_ended(consumer)

    def auth_result(self, consumer: CoreConnection, ok: bool, close_code: int | None) -> None:
        for o in self.observers:
            o.auth_result(consumer, ok, close_code)

    def frame_started(
        self, consumer: CoreConnection, action: str, ref: Ref | None, topic: str | None
    ) -> Any:
        # a list comprehension and an index loop: the cheapest loops, this runs per frame
        return [o.frame_started(consumer, action, ref, topic) for o in self.observers]

    def frame_finished(self, token: Any, outcome: FrameOutcome, error_code: str | None) -> None:
        # reverse order: context made current by the first observer is restored last
        observers = self.observers
        for i in range(len(observers) - 1, -1, -1):
            observers[i].frame_finished(token[i], outcome, error_code)

    def frame_refused(
        self, consumer: CoreConnection, outcome: FrameOutcome, error_code: str, ref: Ref | None
    ) -> None:
        for o in self.observers:
            o.frame_refused(consumer, outcome, error_code, ref)

    def event_sent(
        self,
        consumer_class: type[CoreConnection],
        key: str,
        operation: Literal["send", "broadcast"],
    ) -> Mapping[str, str] | None:
        carrier: dict[str, str] = {}
        for o in self.observers:
            carrier.update(o.event_sent(consumer_class, key, operation) or {})
        return carrier or None

    def event_started(
        self, consumer: CoreConnection, key: str, carrier: Mapping[str, str] | None
    ) -> Any:
        return [o.event_started(consumer, key, carrier) for o in self.observers]

    def event_finished(self, token: Any, outcome: EventOutcome) -> None:
        observers = self.observers
        for i in range(len(observers) - 1, -1, -1):
            observers[i].event_finished(token[i], outcome)

    def broadcast_sent(self, consumer: CoreConnection, groups: int) -> None:
        for o in self.observers:
            o.broadcast_sent(consumer, groups)

    def broadcast_delivered(self, consumer: CoreConnection) -> None:
        for o in self.observers:
            o.broadcast_delivered(consumer)

    def layer_send_failed(
        self, consumer_class: type[CoreConnection], operation: str, error: BaseException
    ) -> None:
        for o in self.observers:
            o.layer_send_failed(consumer_class, operation, error)

    def layer_send_dropped(
        self, consumer_class: type[CoreConnection], operation: str, reason: str
    ) -> None:
        for o in self.observers:
            o.layer_send_dropped(consumer_class, operation, reason)

    def rate_limited(self, consumer: CoreConnection, action: str | None) -> None:
        for o in self.observers:
            o.rate_limited(consumer, action)

    def message_dropped(self, consumer: CoreConnection) -> None:
        for o in self.observers:
            o.message_dropped(consumer)


class Pair(Fanout):
    """Two observers (tracing and metrics, the usual case): the per-frame hooks unrolled.

    The per-frame hooks of both observers are bound once here, not looked up per frame.
    """

    def __init__(self, observers: tuple[Observer, ...]) -> None:
        super().__init__(observers)
        first, second = observers
        self._first_started = first.frame_started
        self._second_started = second.frame_started
        self._first_finished = first.frame_finished
        self._second_finished = second.frame_finished

    def frame_started(
        self, consumer: CoreConnection, action: str, ref: Ref | None, topic: str | None
    ) -> Any:
        return (
            self._first_started(consumer, action, ref, topic),
            self._second_started(consumer, action, ref, topic),
        )

    def frame_finished(self, token: Any, outcome: FrameOutcome, error_code: str | None) -> None:
        first, second = token
        self._second_finished(second, outcome, error_code)
        self._first_finished(first, outcome, error_code)


def combine(observers: tuple[Observer, ...]) -> Fanout:
    """One observer calling each of ``observers`` (at least two) in order."""
    return Pair(observers) if len(observers) == 2 else Fanout(observers)
