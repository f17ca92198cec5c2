"""Telemetry hooks: what chanx reports about connections, frames and events, and to whom.

chanx itself depends on no telemetry library. It calls an :class:`Observer` at a few points
of a connection's life; :mod:`chanx.core.otel` (OpenTelemetry traces, extra ``otel``) and
:mod:`chanx.core.prometheus` (Prometheus metrics, extra ``prometheus``) are observers, and so
may be a project's own. :func:`install` makes observers active for every consumer of the
process, :func:`uninstall` removes them.

Cost when nothing is installed: the core tests one class attribute (``None``) at each hook
point (once per frame, per layer message, per broadcast, per connection event) and does
nothing else; no hook argument is even computed. Rare paths (refused frames, failed layer
sends, drops) are only reached when they happen.

Hooks are called synchronously in the task doing the work; they must be quick and must not
raise (an exception in a hook propagates into chanx's own code path).
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from time import perf_counter
from typing import TYPE_CHECKING, Any, Literal, Protocol

from chanx.core.errors import ERROR_FRAME_PREFIX

if TYPE_CHECKING:
    # aliased: the client package has a Connection too, and the docs must link this one
    from chanx.core.connection import Connection as CoreConnection
    from chanx.core.envelope import Ref
    from chanx.core.registry import Route

__all__ = [
    "ConnectionEvent",
    "EventOutcome",
    "FrameOutcome",
    "Observer",
    "ObserverBase",
    "action_label",
    "active",
    "frame_outcome",
    "install",
    "observe_frame",
    "observed",
    "report_message_dropped",
    "report_rate_limited",
    "uninstall",
]

#: Lifecycle points of a connection: the handshake arrived, it was accepted, the server sent
#: a close frame, the client disconnected.
ConnectionEvent = Literal["connect", "accept", "close", "disconnect"]
#: What became of a client frame: handled (``ok``), handled with an error frame (``error``:
#: the handler failed or timed out), refused before any handler ran (``invalid``: not JSON
#: of a known message, binary, too large, or an endpoint without handlers), or rejected by
#: the rate limiter (``rate_limited``).
FrameOutcome = Literal["ok", "error", "invalid", "rate_limited"]
#: What became of a server-side event a connection received.
EventOutcome = Literal["ok", "error", "invalid"]


class Observer(Protocol):
    """What chanx reports. ``consumer`` is the connection's consumer instance.

    Every hook does nothing by default (so a subclass overrides only the hooks it needs):
    subclass :class:`ObserverBase`.
    """

    def connection_event(
        self, consumer: CoreConnection, event: ConnectionEvent, code: int | None
    ) -> None:
        """A lifecycle point; ``code`` is the close code of ``close`` and ``disconnect``."""
        return None

    def connection_ended(self, consumer: CoreConnection) -> None:
        """The connection is over: delivery stopped, groups being left. Called once."""
        return None

    def auth_result(self, consumer: CoreConnection, ok: bool, close_code: int | None) -> None:
        """The authenticator ran; ``close_code`` is the refusal's close code (``4000+status``)."""
        return None

    def frame_started(
        self, consumer: CoreConnection, action: str, ref: Ref | None, topic: str | None
    ) -> Any:
        """A validated frame's handler is about to run, in this task; returns a token.

        ``topic`` is the frame's topic when it names one. Context made current here (a span)
        is current while the handler runs.
        """
        return None

    def frame_finished(self, token: Any, outcome: FrameOutcome, error_code: str | None) -> None:
        """The handler of ``frame_started``'s frame ended; ``error_code`` names the error frame."""
        return None

    def frame_refused(
        self, consumer: CoreConnection, outcome: FrameOutcome, error_code: str, ref: Ref | None
    ) -> None:
        """A frame was answered with an error frame before any handler ran."""
        return None

    def event_sent(
        self,
        consumer_class: type[CoreConnection],
        key: str,
        operation: Literal["send", "broadcast"],
    ) -> Mapping[str, str] | None:
        """An event is being published; returns the trace carrier to put in its envelope."""
        return None

    def event_started(
        self, consumer: CoreConnection, key: str, carrier: Mapping[str, str] | None
    ) -> Any:
        """A received event's handler is about to run, in this task; returns a token.

        ``carrier`` is what the sender's :meth:`event_sent` returned, if anything.
        """
        return None

    def event_finished(self, token: Any, outcome: EventOutcome) -> None:
        """The event of ``event_started`` was handled (or failed)."""
        return None

    def broadcast_sent(self, consumer: CoreConnection, groups: int) -> None:
        """``broadcast_message`` sent one message to ``groups`` groups."""
        return None

    def broadcast_delivered(self, consumer: CoreConnection) -> None:
        """A broadcast reached this connection (and is being forwarded to its client)."""
        return None

    def layer_send_failed(
        self, consumer_class: type[CoreConnection], operation: str, error: BaseException
    ) -> None:
        """A channel layer ``send``/``group_send`` raised (Redis down, a channel full)."""
        return None

    def layer_send_dropped(
        self, consumer_class: type[CoreConnection], operation: str, reason: str
    ) -> None:
        """A layer send was given up after an outage (:mod:`chanx.core.outage_buffer`).

        ``reason``: ``expired`` (waited ``max_age``), ``full`` (``max_items`` reached),
        ``unconfirmed`` (failed after reaching the layer; not retried, to never duplicate),
        ``error`` (the retry failed otherwise) or ``exit`` (the process ended first).
        """
        return None

    def rate_limited(self, consumer: CoreConnection, action: str | None) -> None:
        """The rate limiter rejected a frame (``action`` as read from the raw frame)."""
        return None

    def message_dropped(self, consumer: CoreConnection) -> None:
        """A layer message for this slow connection was dropped: its backlog was full."""
        return None


class ObserverBase(Observer):
    """An :class:`Observer` to subclass: every hook does nothing until overridden."""


def _core() -> type[CoreConnection]:
    from chanx.core.connection import Connection

    return Connection


def install(*observers: Observer) -> None:
    """Report to ``observers`` from now on, for every consumer of this process.

    Replaces what was installed before; with no argument it is :func:`uninstall`. Install
    at start-up (connections already open report from their next hook on).
    """
    from chanx.core._fanout import combine

    core = _core()
    if not observers:
        core._chanx_telemetry = None
    elif len(observers) == 1:
        core._chanx_telemetry = observers[0]
    else:
        core._chanx_telemetry = combine(observers)


def uninstall() -> None:
    """Stop reporting: the hot path is back to one attribute test per hook point."""
    _core()._chanx_telemetry = None


def active() -> tuple[Observer, ...]:
    """The installed observers, in the order given to :func:`install`."""
    from chanx.core._fanout import Fanout

    current = _core()._chanx_telemetry
    if current is None:
        return ()
    if isinstance(current, Fanout):
        return current.observers
    return (current,)


async def observe_frame(
    obs: Observer,
    consumer: CoreConnection,
    route: Route,
    ref: Ref | None,
    call: Awaitable[str | None],
    *,
    topic: str | None = None,
) -> str | None:
    """Run a frame's handler call (``call``) between ``frame_started`` and ``frame_finished``.

    ``topic`` is the topic the frame was sent to (a topic's ``@ws_handler``), else None. The
    outcome reported is :func:`frame_outcome`'s; a call that raises (or is cancelled) is
    reported as ``error``/``handler_error``.
    """
    token = obs.frame_started(consumer, route.action, ref, topic)
    start = perf_counter()
    outcome: FrameOutcome = "error"
    code: str | None = "handler_error"
    try:
        reply = await call
        outcome, code = frame_outcome(consumer, route, reply, start)
        return reply
    finally:
        obs.frame_finished(token, outcome, code)


def frame_outcome(
    consumer: CoreConnection, route: Route, reply: str | None, start: float
) -> tuple[FrameOutcome, str | None]:
    """What ``frame_finished`` reports for a handled frame answered with ``reply``.

    No error frame is ``ok``; the route's failure frame is ``handler_error``, or
    ``handler_timeout`` when the call, started at ``start`` (``perf_counter``), lasted the
    consumer's ``handler_timeout`` (a call is cancelled then, so only a timed-out one lasts
    that long; ``start`` is not read without a timeout); another error frame is
    ``permission_denied`` on a route with permissions, else ``error_message`` (the handler
    returned an error message itself).
    """
    if reply is None or not reply.startswith(ERROR_FRAME_PREFIX):
        return _OK
    if reply == route.failure:
        timeout = consumer.handler_timeout
        if timeout is not None and perf_counter() - start >= timeout:
            return "error", "handler_timeout"
        return _HANDLER_ERROR
    if route.permissions:
        return "error", "permission_denied"
    return "error", "error_message"


#: The two common outcomes, built once (returned per frame).
_OK: tuple[FrameOutcome, str | None] = ("ok", None)
_HANDLER_ERROR: tuple[FrameOutcome, str | None] = ("error", "handler_error")


def observed(consumer: CoreConnection | type[CoreConnection]) -> bool:
    """True when an observer is installed for ``consumer`` (an instance or a class)."""
    return consumer._chanx_telemetry is not None


def action_label(consumer: Any, action: str | None) -> str:
    """``action`` if ``consumer``'s class routes it, else ``"unknown"``: a bounded label.

    For values read from raw client input (the rate limiter's), which may be anything.
    """
    if action is not None and action in consumer.get_registry().actions:
        return action
    return "unknown"


def report_rate_limited(consumer: CoreConnection, action: str | None) -> None:
    """Tell the installed observers that the rate limiter rejected a frame of ``consumer``."""
    obs = consumer._chanx_telemetry
    if obs is not None:
        obs.rate_limited(consumer, action)


def report_message_dropped(consumer: Any) -> None:
    """Tell the installed observers that a layer message for ``consumer`` was dropped."""
    obs = getattr(consumer, "_chanx_telemetry", None)
    if obs is not None:
        obs.message_dropped(consumer)
