"""Server-side events: published from anywhere through the layer, handled per connection.

Publishing is class-level (``send_event``, ``broadcast_event`` and their ``*_sync`` twins), so
views, tasks, management commands and other processes need no consumer instance. A receiving
connection validates the event against the handler registered for its discriminator value,
runs that ``@event_handler`` and sends its result to its client. The connections of one process
share one validation per envelope and each handler gets its own copy
(:mod:`chanx.core._event_copies`).

The override hooks chanx 2.x documents, ``receive_event`` and ``handle_event_handler_error``,
are real methods whose defaults do what the plain path does; only a class overriding one of
them (decided once, when the class is created) runs its events through them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal

from asgiref.sync import async_to_sync
from pydantic import BaseModel, ValidationError
from typing_extensions import TypeVar

from chanx.core._event_copies import event_for_handler
from chanx.core.layer_messages import event_envelope, trace_carrier
from chanx.core.outage_buffer import send_buffered
from chanx.core.receiving import Receiving
from chanx.core.registry import event_key_field
from chanx.core.sending import group_list

if TYPE_CHECKING:
    from chanx.core.registry import Registry, Route
    from chanx.core.telemetry import EventOutcome, Observer
    from chanx.core.types import ChannelLayer, LayerMessage

__all__ = ["EVENT_HOOKS", "EventT", "Events"]

#: The per-event override hooks; a class overriding one routes its events through them.
EVENT_HOOKS = ("receive_event", "handle_event_handler_error")

logger = logging.getLogger("chanx.consumer")

# A default makes the parameter optional for strict type checkers too (PEP 696), so a bare
# `class C(AsyncJsonWebsocketConsumer)` is as valid as `AsyncJsonWebsocketConsumer[MyEvent]`.
EventT = TypeVar("EventT", bound=BaseModel, default=BaseModel)

_COMPLETE_EVENT = '{"action":"event_complete","payload":null}'
#: (class, method) pairs already warned about a *_sync call inside an event loop.
_warned_sync: set[tuple[type, str]] = set()


class Events(Receiving, Generic[EventT]):
    """Publishing events (class methods) and handling the ones a connection receives."""

    _chanx: ClassVar[Registry]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if any(getattr(cls, name) is not getattr(Events, name) for name in EVENT_HOOKS):
            setattr(cls, "_chanx_handle_event", Events._chanx_handle_event_hooks)  # noqa: B010 - mypy refuses a method assignment

    async def chanx_event(self, message: LayerMessage) -> None:
        """Layer handler: validate an event (an :class:`~chanx.core.layer_messages.EventEnvelope`),
        run its ``@event_handler``, send the result."""
        handling = self._chanx_event_handling(message)
        if handling is not None:
            await handling

    def _chanx_event_handling(self, message: LayerMessage) -> Coroutine[Any, Any, object] | None:
        """What :meth:`chanx_event` awaits for ``message``; None for an event this class does
        not handle. Direct delivery calls it instead of ``chanx_event`` (one coroutine level
        less per receiver of a broadcast) when the class overrides neither."""
        route = self._chanx.event_by_key.get(message.get("key", ""))
        if route is None:
            logger.debug("%s ignores event %r", type(self).__qualname__, message.get("key"))
            return None
        obs = self._chanx_telemetry
        if obs is None:
            return self._chanx_handle_event(route, message)
        return self._chanx_observed_event(obs, route, message)

    async def _chanx_observed_event(
        self, obs: Observer, route: Route, message: LayerMessage
    ) -> None:
        token = obs.event_started(self, message["key"], trace_carrier(message))
        outcome: EventOutcome = "error"
        try:
            outcome = await self._chanx_handle_event(route, message)
        finally:
            obs.event_finished(token, outcome)

    async def _chanx_handle_event(self, route: Route, message: LayerMessage) -> EventOutcome:
        try:
            event = event_for_handler(route.input_type, message["event"])
        except ValidationError:
            logger.error("invalid %s event for %s", message.get("key"), type(self).__qualname__)
            return "invalid"
        outcome: EventOutcome = "ok"
        try:
            result = await route.func(self, event)
            if result is not None and not isinstance(result, BaseModel):
                logger.error(
                    "event handler %s.%s returned %s; it must return a message or None",
                    type(self).__qualname__,
                    route.name,
                    type(result).__name__,
                )
                outcome = "error"
            elif result is not None:
                await self.send_text(self.encode_message(result))
        except Exception:
            logger.exception("event handler %s failed", route.name)
            outcome = "error"
        if self.send_completion:
            await self.send_text(_COMPLETE_EVENT)
        return outcome

    async def _chanx_handle_event_hooks(self, route: Route, message: LayerMessage) -> EventOutcome:
        """``_chanx_handle_event`` of a class that overrides an event hook (``EVENT_HOOKS``)."""
        try:
            event = event_for_handler(route.input_type, message["event"])
        except ValidationError:
            logger.error("invalid %s event for %s", message.get("key"), type(self).__qualname__)
            return "invalid"
        try:
            await self.receive_event(event)
        except Exception:
            logger.exception("receive_event of %s failed", type(self).__qualname__)
            return "error"
        return "ok"

    # -- override hooks (chanx 2.x names; the defaults are the plain path's behaviour) -------
    async def receive_event(self, event: BaseModel) -> None:
        """Hook: run the ``@event_handler`` of a validated event and send its result.

        The default awaits the handler, sends a message it returns (never with a ``ref``),
        passes an exception to :meth:`handle_event_handler_error`, and then, with
        ``send_completion``, writes ``event_complete``.
        """
        key = getattr(event, event_key_field(type(event), self.discriminator_field))
        route = self._chanx.event_by_key[key]
        try:
            result = await route.func(self, event)
            if result is not None:
                if not isinstance(result, BaseModel):
                    raise TypeError(
                        f"event handler {route.name} returned {type(result).__name__}; it must "
                        "return a message or None"
                    )
                await self.send_message(result, ref=None)
        except Exception as exc:
            await self.handle_event_handler_error(exc, key, event)
        if self.send_completion:
            await self.send_text(_COMPLETE_EVENT)

    async def handle_event_handler_error(
        self, error: Exception, action: str, event: BaseModel
    ) -> None:
        """Hook: an ``@event_handler`` raised ``error`` for the event ``action``.

        The default only logs it: events come from the server, so the client gets no error
        frame.
        """
        logger.error("event handler for %r failed", action, exc_info=error)

    @classmethod
    def _chanx_event_envelope(
        cls, event: BaseModel, operation: Literal["send", "broadcast"]
    ) -> LayerMessage:
        key = getattr(event, event_key_field(type(event), cls.discriminator_field), None)
        if not isinstance(key, str):
            raise TypeError(
                f"{type(event).__qualname__} has no string discriminator; events need a Literal"
            )
        obs = cls._chanx_telemetry
        trace = None if obs is None else obs.event_sent(cls, key, operation)
        return event_envelope(key, event.model_dump_json(), trace)

    @classmethod
    async def _chanx_layer_send(
        cls, layer: ChannelLayer, operation: str, target: str, envelope: LayerMessage
    ) -> None:
        # buffered while the layer is unreachable (chanx.core.outage_buffer)
        await send_buffered(layer, operation, target, envelope, cls, cls._chanx_telemetry)

    @classmethod
    def _chanx_require_layer(cls) -> ChannelLayer:
        layer = cls.get_channel_layer()
        if layer is None:
            raise RuntimeError(
                f"{cls.__qualname__} has no channel layer (channel_layer_alias="
                f"{cls.channel_layer_alias!r}); configure one to broadcast or send events"
            )
        return layer

    @classmethod
    async def send_event(cls, event: EventT, channel_name: str) -> None:
        """Deliver an event to one connection, identified by its ``channel_name``."""
        layer = cls._chanx_require_layer()
        envelope = cls._chanx_event_envelope(event, "send")
        await cls._chanx_layer_send(layer, "send", channel_name, envelope)

    @classmethod
    async def broadcast_event(
        cls, event: EventT, groups: str | Iterable[str] | None = None
    ) -> None:
        """Deliver an event to every connection in ``groups``.

        One string names one group; the default is the class's ``groups`` and its merged
        ``extra_groups``.
        """
        layer = cls._chanx_require_layer()
        envelope = cls._chanx_event_envelope(event, "broadcast")
        default = [*cls.groups, *(g for g in cls._chanx_extra_groups if g not in cls.groups)]
        for group in group_list(groups, default):
            await cls._chanx_layer_send(layer, "group_send", group, envelope)

    @classmethod
    def _chanx_refuse_in_loop(cls, method: str) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop in this thread: the blocking call is right here
        text = (
            f"{cls.__qualname__}.{method}_sync() was called inside a running event loop, "
            f"where it would block it; use `await {cls.__qualname__}.{method}(...)` instead"
        )
        if (cls, method) not in _warned_sync:
            _warned_sync.add((cls, method))
            logger.warning(text)
        raise RuntimeError(text)

    @classmethod
    def send_event_sync(cls, event: EventT, channel_name: str) -> None:
        """Blocking :meth:`send_event` for views, tasks, threads and scripts."""
        cls._chanx_refuse_in_loop("send_event")
        async_to_sync(cls.send_event)(event, channel_name)

    @classmethod
    def broadcast_event_sync(cls, event: EventT, groups: str | Iterable[str] | None = None) -> None:
        """Blocking :meth:`broadcast_event` for views, tasks, threads and scripts."""
        cls._chanx_refuse_in_loop("broadcast_event")
        async_to_sync(cls.broadcast_event)(event, groups)
