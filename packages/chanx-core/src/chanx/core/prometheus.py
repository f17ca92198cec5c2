"""Prometheus metrics of chanx connections, frames and events (extra ``chanx-core[prometheus]``).

``install(MetricsObserver())`` (:func:`chanx.core.telemetry.install`) and serve the metrics
with :func:`with_metrics` (wraps any ASGI application: FastAPI, Starlette, Django's ASGI
application) or :func:`metrics_app` (an ASGI app to mount).

Every metric has a ``consumer`` label (the consumer class's qualified name). The other labels
are bounded by the code, never by traffic: ``action`` is an action the consumer routes (or
``unknown``), ``event`` an event key it handles, ``code`` an error code chanx defines,
``close_code`` an authentication close code (``4000 + HTTP status``). No user, channel,
group or topic ever becomes a label.

============================================ ========= ========================================
``chanx_connections_open``                   gauge     open (accepted, not ended) connections
``chanx_connections_total``                  counter   connections accepted
``chanx_frames_total``                       counter   client frames by ``action`` and ``outcome``
                                                       (``ok``, ``error``, ``invalid``,
                                                       ``rate_limited``)
``chanx_handler_duration_seconds``           histogram frame handler run time by ``action``
``chanx_error_frames_total``                 counter   error frames sent, by ``code``
``chanx_events_total``                       counter   events handled by ``event`` and ``outcome``
``chanx_events_published_total``             counter   events sent, by ``event`` and ``operation``
                                                       (``send``, ``broadcast``)
``chanx_broadcasts_total``                   counter   ``broadcast_message`` calls
``chanx_broadcast_groups``                   histogram groups targeted per broadcast
``chanx_broadcast_deliveries_total``         counter   broadcasts forwarded to a client
``chanx_layer_send_failures_total``          counter   failed layer sends, by ``operation``
``chanx_layer_send_dropped_total``           counter   layer sends given up after an outage, by
                                                       ``operation`` and ``reason`` (``expired``,
                                                       ``full``, ``unconfirmed``, ``error``,
                                                       ``exit``; :mod:`chanx.core.outage_buffer`)
``chanx_auth_rejections_total``              counter   refused connections, by ``close_code``
``chanx_rate_limited_total``                 counter   frames rejected by the rate limiter
``chanx_messages_dropped_total``             counter   layer messages dropped for slow clients
============================================ ========= ========================================

The fan-out of broadcasts is ``chanx_broadcast_deliveries_total`` over
``chanx_broadcasts_total`` (summed over every process sharing the layer).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Awaitable, Callable
from time import perf_counter
from typing import TYPE_CHECKING, Any, Literal

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import make_asgi_app as _make_asgi_app

from chanx.core._prometheus_frames import DURATION_BUCKETS, FrameCollector
from chanx.core.telemetry import (
    ConnectionEvent,
    EventOutcome,
    FrameOutcome,
    ObserverBase,
    action_label,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chanx.core.connection import Connection as CoreConnection
    from chanx.core.envelope import Ref
    from chanx.core.types import ASGIReceive, ASGISend, Scope

#: Any ASGI application (typed loosely: frameworks spell the ASGI callables differently).
App = Callable[[Any, Any, Any], Awaitable[None]]

__all__ = ["App", "MetricsObserver", "metrics_app", "with_metrics"]

_GROUP_BUCKETS = (1, 2, 5, 10, 50, 100)
_FIRST_BOUND = DURATION_BUCKETS[0]


class MetricsObserver(ObserverBase):
    """The metrics of the module documentation, registered in ``registry``."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        r = self.registry = registry
        self.connections_open = Gauge(
            "chanx_connections_open", "Open WebSocket connections", ["consumer"], registry=r
        )
        self.connections = Counter(
            "chanx_connections", "Connections accepted", ["consumer"], registry=r
        )
        self._frames = FrameCollector()
        self._frame_stats = self._frames.stats  # bound once: read per frame
        r.register(self._frames)
        self.error_frames = Counter(
            "chanx_error_frames", "Error frames sent", ["consumer", "code"], registry=r
        )
        self.events = Counter(
            "chanx_events", "Events handled", ["consumer", "event", "outcome"], registry=r
        )
        self.events_published = Counter(
            "chanx_events_published",
            "Events sent",
            ["consumer", "event", "operation"],
            registry=r,
        )
        self.broadcasts = Counter(
            "chanx_broadcasts", "broadcast_message calls", ["consumer"], registry=r
        )
        self.broadcast_groups = Histogram(
            "chanx_broadcast_groups",
            "Groups targeted per broadcast",
            ["consumer"],
            buckets=_GROUP_BUCKETS,
            registry=r,
        )
        self.broadcast_deliveries = Counter(
            "chanx_broadcast_deliveries",
            "Broadcasts forwarded to a client",
            ["consumer"],
            registry=r,
        )
        self.layer_send_failures = Counter(
            "chanx_layer_send_failures",
            "Channel layer sends that failed",
            ["consumer", "operation"],
            registry=r,
        )
        self.layer_send_dropped_total = Counter(
            "chanx_layer_send_dropped",
            "Channel layer sends given up after an outage (outage buffer)",
            ["consumer", "operation", "reason"],
            registry=r,
        )
        self.auth_rejections = Counter(
            "chanx_auth_rejections",
            "Connections refused by the authenticator",
            ["consumer", "close_code"],
            registry=r,
        )
        self.rate_limited_frames = Counter(
            "chanx_rate_limited",
            "Frames rejected by the rate limiter",
            ["consumer", "action"],
            registry=r,
        )
        self.dropped = Counter(
            "chanx_messages_dropped",
            "Layer messages dropped because a slow client's backlog was full",
            ["consumer"],
            registry=r,
        )
        #: ids of accepted connections that have not ended
        self._open: set[int] = set()

    def unregister(self) -> None:
        """Remove this observer's metrics from its registry (for tests and reloads)."""
        for metric in (
            self.connections_open,
            self.connections,
            self._frames,
            self.error_frames,
            self.events,
            self.events_published,
            self.broadcasts,
            self.broadcast_groups,
            self.broadcast_deliveries,
            self.layer_send_failures,
            self.layer_send_dropped_total,
            self.auth_rejections,
            self.rate_limited_frames,
            self.dropped,
        ):
            self.registry.unregister(metric)

    # -- connections -------------------------------------------------------------------------
    def connection_event(
        self, consumer: CoreConnection, event: ConnectionEvent, code: int | None
    ) -> None:
        """Count accepted connections as open."""
        if event == "accept":
            name = type(consumer).__qualname__
            self._open.add(id(consumer))
            self.connections_open.labels(name).inc()
            self.connections.labels(name).inc()

    def connection_ended(self, consumer: CoreConnection) -> None:
        """An accepted connection is open no more."""
        if id(consumer) in self._open:
            self._open.discard(id(consumer))
            self.connections_open.labels(type(consumer).__qualname__).dec()

    def auth_result(self, consumer: CoreConnection, ok: bool, close_code: int | None) -> None:
        """Count refusals by close code."""
        if not ok:
            name = type(consumer).__qualname__
            self.auth_rejections.labels(name, str(close_code)).inc()

    # -- frames ------------------------------------------------------------------------------
    def frame_started(
        self, consumer: CoreConnection, action: str, ref: Ref | None, topic: str | None
    ) -> Any:
        """Note the start time, with the frame's stats (resolved once per class and action)."""
        cls = type(consumer)
        stats = self._frame_stats[cls].get(action) or self._frames.get(cls, action)
        return stats, perf_counter()

    def frame_finished(self, token: Any, outcome: FrameOutcome, error_code: str | None) -> None:
        """Count the frame and observe its handler's duration."""
        stats, start = token
        elapsed = perf_counter() - start
        # the first bound >= elapsed; most handlers end within the first one, and a comparison
        # costs a fraction of the bisect call
        stats.buckets[0 if elapsed <= _FIRST_BOUND else bisect_left(DURATION_BUCKETS, elapsed)] += 1
        stats.total += elapsed
        if error_code is None:
            stats.ok += 1
            return
        stats.outcomes[outcome] = stats.outcomes.get(outcome, 0) + 1
        self.error_frames.labels(stats.consumer, error_code).inc()

    def frame_refused(
        self, consumer: CoreConnection, outcome: FrameOutcome, error_code: str, ref: Ref | None
    ) -> None:
        """Count a frame refused before routing (its action is ``unknown``)."""
        stats = self._frames.get(type(consumer), "unknown")
        stats.outcomes[outcome] = stats.outcomes.get(outcome, 0) + 1
        self.error_frames.labels(type(consumer).__qualname__, error_code).inc()

    def rate_limited(self, consumer: CoreConnection, action: str | None) -> None:
        """Count a frame rejected by the rate limiter (it was answered with an error frame)."""
        name = type(consumer).__qualname__
        label = action_label(consumer, action)
        self.rate_limited_frames.labels(name, label).inc()
        stats = self._frames.get(type(consumer), label)
        stats.outcomes["rate_limited"] = stats.outcomes.get("rate_limited", 0) + 1
        self.error_frames.labels(name, "rate_limited").inc()

    # -- events and broadcasts ---------------------------------------------------------------
    def event_sent(
        self,
        consumer_class: type[CoreConnection],
        key: str,
        operation: Literal["send", "broadcast"],
    ) -> Mapping[str, str] | None:
        """Count a published event."""
        self.events_published.labels(consumer_class.__qualname__, key, operation).inc()
        return None

    def event_started(
        self, consumer: CoreConnection, key: str, carrier: Mapping[str, str] | None
    ) -> Any:
        """Remember which event it is."""
        return type(consumer).__qualname__, key

    def event_finished(self, token: Any, outcome: EventOutcome) -> None:
        """Count the handled event."""
        self.events.labels(token[0], token[1], outcome).inc()

    def broadcast_sent(self, consumer: CoreConnection, groups: int) -> None:
        """Count a broadcast and how many groups it targets."""
        name = type(consumer).__qualname__
        self.broadcasts.labels(name).inc()
        self.broadcast_groups.labels(name).observe(groups)

    def broadcast_delivered(self, consumer: CoreConnection) -> None:
        """Count a broadcast reaching a connection."""
        self.broadcast_deliveries.labels(type(consumer).__qualname__).inc()

    def layer_send_failed(
        self, consumer_class: type[CoreConnection], operation: str, error: BaseException
    ) -> None:
        """Count a failed layer send."""
        self.layer_send_failures.labels(consumer_class.__qualname__, operation).inc()

    def layer_send_dropped(
        self, consumer_class: type[CoreConnection], operation: str, reason: str
    ) -> None:
        """Count a layer send given up after an outage."""
        self.layer_send_dropped_total.labels(consumer_class.__qualname__, operation, reason).inc()

    def message_dropped(self, consumer: CoreConnection) -> None:
        """Count a message dropped for a slow client."""
        self.dropped.labels(type(consumer).__qualname__).inc()


def metrics_app(registry: CollectorRegistry = REGISTRY) -> App:
    """An ASGI application answering every HTTP request with the metrics (text format)."""
    app: App = _make_asgi_app(registry)
    return app


def with_metrics(app: App, path: str = "/metrics", registry: CollectorRegistry = REGISTRY) -> App:
    """``app``, except that HTTP requests for ``path`` get the metrics.

    Works for any ASGI application (FastAPI, Starlette, Django's ``get_asgi_application()``
    or a Channels ``ProtocolTypeRouter``); WebSocket and lifespan traffic pass through.
    """
    metrics = metrics_app(registry)

    async def wrapped(scope: Scope, receive: ASGIReceive, send: ASGISend) -> None:
        if scope["type"] == "http" and scope.get("path") == path:
            await metrics(scope, receive, send)
        else:
            await app(scope, receive, send)

    return wrapped
