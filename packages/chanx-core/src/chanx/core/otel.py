"""OpenTelemetry tracing of chanx connections, frames and events (extra ``chanx-core[otel]``).

``install(TracingObserver())`` (:func:`chanx.core.telemetry.install`) and chanx records, with
the OpenTelemetry API only (the application configures the SDK and its exporters):

* one span per connection, ``websocket <Consumer>`` (kind SERVER), from the handshake to the
  end; its lifecycle points are span events: ``connect``, ``auth`` (``chanx.auth.ok``,
  ``chanx.close_code``), ``accept``, ``close`` and ``disconnect`` (``chanx.close_code``);
* one span per client frame, ``process <action>`` (kind CONSUMER), the root of its own
  trace, linked to its connection's span. It lasts as long as the handler and is current
  while the handler runs, so the handler's own spans are its children. A frame refused before
  any handler ran (invalid, binary, too large, rate limited) gets a span of its own too;
* one span per received event, ``process <event key>`` (kind CONSUMER): the child of the
  sender's span, whose context travels in the event's layer envelope (in-memory and Redis
  layers alike, across processes), with a link to it and to the connection's span.

Attributes (the OpenTelemetry messaging conventions where they fit, ``chanx.*`` otherwise):

============================================ ==================================================
``messaging.system``                          ``"chanx"``
``messaging.operation.type``                  ``"process"`` (frames, events)
``messaging.operation.name``                  ``"process"``
``messaging.destination.name``                the frame's action or the event's key
                                              (``"unknown"`` when a refused frame has none)
``messaging.message.conversation_id``         the frame's ``ref`` as a string, when it has one
``chanx.consumer``                            the consumer class's qualified name
``chanx.kind``                                ``"frame"`` or ``"event"``
``chanx.action``                              frames: the action (as ``destination.name``)
``chanx.ref``                                 frames: the ``ref`` (string or integer)
``chanx.topic``                               frames: the topic, when the frame names one
``chanx.outcome``                             ``ok``, ``error``, ``invalid``, ``rate_limited``
``error.type``                                the error frame's code (``handler_error``,
                                              ``handler_timeout``, ``invalid_message``, ...)
``url.path``                                  connection span: the request path
============================================ ==================================================

A span whose frame or event failed has status ERROR with the error code as description.
Publishing an event adds a span event ``chanx.event_sent`` (``chanx.event.key``,
``chanx.event.operation``) to the sender's current span.
"""

from __future__ import annotations

from collections.abc import Mapping
from random import random
from typing import TYPE_CHECKING, Any, Literal

from opentelemetry import context, propagate, trace
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from chanx.core.__about__ import __version__
from chanx.core.telemetry import (
    ConnectionEvent,
    EventOutcome,
    FrameOutcome,
    ObserverBase,
    action_label,
)

if TYPE_CHECKING:
    from chanx.core.connection import Connection as CoreConnection
    from chanx.core.envelope import Ref

__all__ = ["TracingObserver"]

_ROOT = context.Context()  # frame spans start traces of their own, whatever is current
_CONNECTION_EVENTS = frozenset({"connect", "accept"})


class TracingObserver(ObserverBase):
    """Spans of connections, frames and events; see the module documentation.

    ``tracer_provider``: where spans go (default: the global provider).

    ``frame_ratio``: the share of handled client frames that get a span (1.0: all). A frame
    span is always the root of its trace, so this is its head sampling decision, taken before
    the SDK is called: an unsampled frame costs one ``random()`` call instead of an SDK span
    (which costs about as much as chanx's whole frame). The SDK's own sampler still applies
    to the frames chosen. Refused frames, events and connections are not affected by it; a
    handler's own spans in an unsampled frame start traces of their own.
    """

    def __init__(
        self, tracer_provider: trace.TracerProvider | None = None, *, frame_ratio: float = 1.0
    ) -> None:
        if not 0.0 <= frame_ratio <= 1.0:
            raise ValueError(f"frame_ratio must be between 0.0 and 1.0, not {frame_ratio!r}")
        self.tracer = trace.get_tracer("chanx", __version__, tracer_provider=tracer_provider)
        self.frame_ratio = frame_ratio
        #: Open connections' spans, by consumer id (removed when the connection ends).
        self._connections: dict[int, trace.Span] = {}

    # -- connections -------------------------------------------------------------------------
    def connection_event(
        self, consumer: CoreConnection, event: ConnectionEvent, code: int | None
    ) -> None:
        """Start the connection's span at ``connect``; record every point as a span event."""
        span = self._connections.get(id(consumer))
        if span is None:
            if event != "connect":
                return
            name = type(consumer).__qualname__
            span = self.tracer.start_span(
                f"websocket {name}",
                context=_ROOT,
                kind=SpanKind.SERVER,
                attributes={
                    "messaging.system": "chanx",
                    "chanx.consumer": name,
                    "url.path": str(consumer.scope.get("path", "")),
                },
            )
            self._connections[id(consumer)] = span
        if event in _CONNECTION_EVENTS:
            span.add_event(event)
        else:
            span.add_event(event, {"chanx.close_code": code if code is not None else 1005})

    def auth_result(self, consumer: CoreConnection, ok: bool, close_code: int | None) -> None:
        """Record the authenticator's verdict on the connection's span."""
        span = self._connections.get(id(consumer))
        if span is None:
            return
        attributes: dict[str, Any] = {"chanx.auth.ok": ok}
        if close_code is not None:
            attributes["chanx.close_code"] = close_code
            span.set_status(Status(StatusCode.ERROR, f"authentication refused ({close_code})"))
        span.add_event("auth", attributes)

    def connection_ended(self, consumer: CoreConnection) -> None:
        """End the connection's span."""
        span = self._connections.pop(id(consumer), None)
        if span is not None:
            span.end()

    def _links(self, consumer: CoreConnection) -> list[Link]:
        span = self._connections.get(id(consumer))
        return [] if span is None else [Link(span.get_span_context())]

    # -- frames ------------------------------------------------------------------------------
    def _frame_attributes(
        self, consumer: CoreConnection, action: str, ref: Ref | None
    ) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            "messaging.system": "chanx",
            "messaging.operation.type": "process",
            "messaging.operation.name": "process",
            "messaging.destination.name": action,
            "chanx.consumer": type(consumer).__qualname__,
            "chanx.kind": "frame",
            "chanx.action": action,
        }
        if ref is not None:
            attributes["chanx.ref"] = ref
            attributes["messaging.message.conversation_id"] = str(ref)
        return attributes

    def frame_started(
        self, consumer: CoreConnection, action: str, ref: Ref | None, topic: str | None
    ) -> Any:
        """Start the frame's span and make it current for the handler."""
        if random() >= self.frame_ratio:  # random() < 1.0: a ratio of 1.0 keeps every frame
            return None
        attributes = self._frame_attributes(consumer, action, ref)
        if topic is not None:
            attributes["chanx.topic"] = topic
        span = self.tracer.start_span(
            f"process {action}",
            context=_ROOT,
            kind=SpanKind.CONSUMER,
            attributes=attributes,
            links=self._links(consumer),
        )
        return span, context.attach(trace.set_span_in_context(span))

    def frame_finished(self, token: Any, outcome: FrameOutcome, error_code: str | None) -> None:
        """Set the outcome (and the error status), restore the context, end the span."""
        if token is None:
            return  # not sampled
        span, attached = token
        context.detach(attached)
        _finish(span, outcome, error_code)

    def frame_refused(
        self, consumer: CoreConnection, outcome: FrameOutcome, error_code: str, ref: Ref | None
    ) -> None:
        """A span for a frame no handler saw (its action is not known: ``unknown``)."""
        self._refused(consumer, "unknown", outcome, error_code, ref)

    def rate_limited(self, consumer: CoreConnection, action: str | None) -> None:
        """A span for a frame the rate limiter rejected."""
        self._refused(
            consumer, action_label(consumer, action), "rate_limited", "rate_limited", None
        )

    def _refused(
        self,
        consumer: CoreConnection,
        action: str,
        outcome: FrameOutcome,
        error_code: str,
        ref: Ref | None,
    ) -> None:
        span = self.tracer.start_span(
            f"process {action}",
            context=_ROOT,
            kind=SpanKind.CONSUMER,
            attributes=self._frame_attributes(consumer, action, ref),
            links=self._links(consumer),
        )
        _finish(span, outcome, error_code)

    # -- events ------------------------------------------------------------------------------
    def event_sent(
        self,
        consumer_class: type[CoreConnection],
        key: str,
        operation: Literal["send", "broadcast"],
    ) -> Mapping[str, str] | None:
        """Inject the current context into the envelope; note the publish on the current span."""
        current = trace.get_current_span()
        if not current.get_span_context().is_valid:
            return None
        current.add_event(
            "chanx.event_sent", {"chanx.event.key": key, "chanx.event.operation": operation}
        )
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        return carrier

    def event_started(
        self, consumer: CoreConnection, key: str, carrier: Mapping[str, str] | None
    ) -> Any:
        """Start the event's span, the child of (and linked to) the sender's context."""
        links = self._links(consumer)
        parent = _ROOT
        if carrier:
            parent = propagate.extract(carrier, context=_ROOT)
            sender = trace.get_current_span(parent).get_span_context()
            if sender.is_valid:
                links.insert(0, Link(sender))
        span = self.tracer.start_span(
            f"process {key}",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "chanx",
                "messaging.operation.type": "process",
                "messaging.operation.name": "process",
                "messaging.destination.name": key,
                "chanx.consumer": type(consumer).__qualname__,
                "chanx.kind": "event",
            },
            links=links,
        )
        return span, context.attach(trace.set_span_in_context(span))

    def event_finished(self, token: Any, outcome: EventOutcome) -> None:
        """Set the outcome, restore the context, end the span."""
        span, attached = token
        context.detach(attached)
        _finish(span, outcome, None if outcome == "ok" else f"event_{outcome}")


def _finish(span: trace.Span, outcome: str, error_code: str | None) -> None:
    span.set_attribute("chanx.outcome", outcome)
    if error_code is not None:
        span.set_attribute("error.type", error_code)
        span.set_status(Status(StatusCode.ERROR, error_code))
    span.end()
