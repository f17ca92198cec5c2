"""What chanx puts on the channel layer: the broadcast and event envelopes, built and read here.

Every process sharing a layer must agree on these shapes, so they live in this one module and
nowhere else:

* ``{"type": "chanx.broadcast", "text": <json>, "exclude"?: <channel>}``: a message serialized
  once by the sender; receivers forward ``text`` to their client as is. A topic publish of a
  passthrough event adds ``topic``, ``seq``, ``epoch`` and ``event_data`` (the event as JSON
  data): receivers forward ``text`` (already stamped with the topic) only while subscribed to
  ``topic``, and a camelizing receiver encodes ``event_data`` itself.
* ``{"type": "chanx.event", "key": <discriminator value>, "event": <json>, "trace"?: {...}}``:
  a server-side event; the receiver validates ``event`` against the event handler registered
  for ``key``. ``trace`` (only while telemetry is installed) is the sender's trace context as
  a W3C Trace Context carrier (``traceparent``, ``tracestate``); receivers without telemetry
  ignore it.

Any other ``{"type": "a.b"}`` message runs the consumer's ``a_b(message)`` method, as in
Channels, so plain Channels-style layer handlers keep working next to chanx's own.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from typing import Literal, NotRequired, TypedDict

from chanx.core.types import LayerMessage

__all__ = [
    "BROADCAST",
    "EVENT",
    "BroadcastEnvelope",
    "EventEnvelope",
    "TopicBroadcastEnvelope",
    "broadcast_envelope",
    "event_envelope",
    "handler_name",
    "is_broadcast",
    "topic_broadcast_envelope",
    "trace_carrier",
]

BROADCAST: Literal["chanx.broadcast"] = "chanx.broadcast"
EVENT: Literal["chanx.event"] = "chanx.event"


class BroadcastEnvelope(TypedDict):
    """A message serialized once by its sender, forwarded as text by every receiver."""

    type: Literal["chanx.broadcast"]
    text: str
    exclude: NotRequired[str]


class TopicBroadcastEnvelope(BroadcastEnvelope):
    """A topic publish of a passthrough event: ready text, forwarded by its subscribers."""

    topic: str
    seq: int | None
    epoch: NotRequired[str]
    event_data: object


class EventEnvelope(TypedDict):
    """A server-side event for the receiving consumer's ``@event_handler``."""

    type: Literal["chanx.event"]
    key: str
    event: str
    trace: NotRequired[dict[str, str]]


def broadcast_envelope(text: str, exclude: str | None = None) -> LayerMessage:
    """Wrap serialized ``text``; ``exclude`` names a channel that must not receive it.

    Returns a :class:`BroadcastEnvelope`, typed as the plain dict layers accept.
    """
    envelope: LayerMessage = {"type": BROADCAST, "text": text}
    if exclude is not None:
        envelope["exclude"] = exclude
    return envelope


def topic_broadcast_envelope(
    text: str, topic: str, seq: int | None, epoch: str | None, event_data: object
) -> LayerMessage:
    """Wrap a topic publish's ready ``text`` (stamped with ``topic`` and ``seq``).

    Returns a :class:`TopicBroadcastEnvelope`, typed as the plain dict layers accept.
    """
    envelope: LayerMessage = {
        "type": BROADCAST,
        "text": text,
        "topic": topic,
        "seq": seq,
        "event_data": event_data,
    }
    if epoch is not None:
        envelope["epoch"] = epoch
    return envelope


def event_envelope(
    key: str, event_json: str, trace: Mapping[str, str] | None = None
) -> LayerMessage:
    """Wrap a serialized event routed by its discriminator value ``key``.

    ``trace`` is the sender's trace context carrier, if any. Returns an
    :class:`EventEnvelope`, typed as the plain dict layers accept.
    """
    envelope: LayerMessage = {"type": EVENT, "key": key, "event": event_json}
    if trace:
        envelope["trace"] = dict(trace)
    return envelope


def trace_carrier(message: LayerMessage) -> Mapping[str, str] | None:
    """The trace context carrier of an event envelope, or None (absent or malformed)."""
    trace = message.get("trace")
    if isinstance(trace, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in trace.items()
    ):
        return trace
    return None


def is_broadcast(message: LayerMessage) -> bool:
    """True for a chanx broadcast envelope."""
    return message.get("type") == BROADCAST


def handler_name(message: LayerMessage) -> str | None:
    """The consumer method a layer message runs (``a.b`` -> ``a_b``), or None if refused.

    Types starting with ``_`` or ``websocket.`` are refused: a layer message must never reach
    private methods or the ASGI event handlers.
    """
    kind = message.get("type")
    return _method_name(kind) if isinstance(kind, str) else None


@functools.lru_cache(maxsize=1024)  # layer message types are the server's, but bound it
def _method_name(kind: str) -> str | None:
    """``handler_name`` of a string type, worked out once per type."""
    if kind.startswith(("_", "websocket.")):
        return None
    # Interned: getattr() with a name built per message misses CPython's attribute cache
    # and walks the consumer's whole MRO on every delivery.
    return sys.intern(kind.replace(".", "_"))
