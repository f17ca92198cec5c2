"""Topics: many subscribable streams multiplexed over one WebSocket connection.

A :class:`Topic` subclass declares a ``pattern`` (``"room:{room_id}"``), who may subscribe
(:meth:`Topic.authorize`), what happens on subscribe and unsubscribe, and its own
``@ws_handler``/``@event_handler`` methods, routed by a registry of its own (so two topics may
both handle ``cancel``). A consumer lists its topics in ``topics``; clients then send
``{"topic": "room:5", "action": "subscribe"}`` and frames for ``room:5``, and get replies
stamped with the topic (the protocol: :mod:`chanx.core.topic_host`).

Publishing is a class method, usable from anywhere that reaches the channel layer (views,
tasks, other processes): ``await RoomTopic.broadcast("room:5", event)``. With
``recovery = True`` every publish is also appended to a history store (:mod:`chanx.core.history`)
that numbers it, so reconnecting clients get what they missed.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, cast, overload

from asgiref.sync import async_to_sync
from pydantic import BaseModel, TypeAdapter
from typing_extensions import TypeVar

from chanx.core._checks import check_consumer_class
from chanx.core.envelope import current_ref
from chanx.core.history import HistoryStore, InMemoryHistoryStore
from chanx.core.layer_messages import topic_broadcast_envelope
from chanx.core.outage_buffer import send_buffered
from chanx.core.registry import Registry, build_registry
from chanx.core.topic_binding import as_consumer_class, binding_for, layer_lookup
from chanx.core.topic_frames import current_seq, stamp
from chanx.core.topic_pattern import compile_pattern
from chanx.messages.topic import SubscribedMessage, UnsubscribedMessage
from chanx.utils.groups import safe_group_name

if TYPE_CHECKING:
    from chanx.core.config import ConsumerConfig
    from chanx.core.consumer import ChanxConsumer
    from chanx.core.sending import Sending
    from chanx.core.types import ChannelLayer, Scope

__all__ = ["TOPIC_EVENT", "Topic", "TopicEventT", "TopicMeta"]

logger = logging.getLogger("chanx.topic")

TopicEventT = TypeVar("TopicEventT", bound=BaseModel, default=BaseModel)
_C = TypeVar("_C")

#: ``type`` of the layer message a topic publish sends (wire-compatible with chanx 2.x).
TOPIC_EVENT = "handle_topic_event"
#: History of topics with recovery that set no ``history`` store (one per process).
DEFAULT_HISTORY: HistoryStore = InMemoryHistoryStore()


class TopicMeta(type):
    """Metaclass of topics: class-level read-only views of a topic's routing table."""

    @property
    def outgoing_message_adapter(cls) -> TypeAdapter[Any]:
        """Validates any frame the topic sends, envelope keys removed (tests, clients)."""
        registry: Registry = cls.get_registry()  # type: ignore[attr-defined]
        return registry.outgoing


class Topic(Generic[TopicEventT], metaclass=TopicMeta):
    """A subscribable stream; one instance per subscription of one connection.

    Instances see ``consumer`` (the host connection), ``topic`` (the concrete string),
    ``params`` (the pattern's values), and the host's ``scope``, ``channel_name``,
    ``channel_layer`` and ``channel_layer_alias``.
    """

    #: ``"room:{room_id}"``: literal text and ``{name}`` placeholders (values cannot contain
    #: ``:``). A subclass without one is a shared base, not a mountable topic.
    pattern: ClassVar[str | None] = None
    #: The placeholder names of ``pattern``, in order (set at class creation).
    param_names: ClassVar[tuple[str, ...]] = ()
    #: Layer used by :meth:`broadcast`; subscriptions use their host's layer.
    channel_layer_alias: str | None = "default"
    #: Send ``complete`` after frames routed to this topic (never inherited from the host).
    send_completion: ClassVar[bool] = False
    #: Field whose Literal value routes a frame to this topic's handlers.
    discriminator_field: ClassVar[str] = "action"
    #: Read by the registry builder; camelization actually follows the host connection.
    camelize: ClassVar[bool] = False
    passthrough_events: ClassVar[Sequence[type[BaseModel]]] = ()
    passthrough_method_prefix: ClassVar[str] = "handle_passthrough_"
    #: Messages this topic sends outside any handler (merged across the MRO; the protocol's
    #: replies are always among them).
    emits: ClassVar[Sequence[type[BaseModel]]] = (SubscribedMessage, UnsubscribedMessage)
    #: Number publishes, keep a history and replay missed ones to resubscribing clients.
    recovery: ClassVar[bool] = False
    #: Where the history lives (None: a per-process :class:`InMemoryHistoryStore`).
    history: ClassVar[HistoryStore | None] = None
    #: Entries kept per topic string.
    history_size: ClassVar[int] = 1000
    #: Seconds an entry is kept (and a silent topic's stream is remembered).
    history_ttl: ClassVar[float] = 600.0
    #: The binding consumer class to publish and build ``as_consumer()`` with; None: the
    #: binding of the consumers that mount this topic, or the only binding imported.
    consumer_base: ClassVar[type | None] = None

    _regex: ClassVar[re.Pattern[str] | None] = None
    #: True when the class overrides :meth:`allow_frame` (set at class creation).
    _screens_frames: ClassVar[bool] = False
    #: True when a passthrough publish's ready text is all a subscriber sends: no recovery
    #: bookkeeping, no completion frame (set at class creation).
    _forwards_text: ClassVar[bool] = False
    #: The same for a topic with recovery, once a publish is next in its subscriber's stream.
    _forwards_recovered_text: ClassVar[bool] = False
    _registries: ClassVar[dict[bool, Registry]]
    _hosts: ClassVar[list[type]]
    _registry_view: ClassVar[bool] = False
    _localns: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if vars(cls).get("_registry_view"):
            return
        check_consumer_class(cls, Topic, _NoMixins, {})
        from chanx.core.consumer import _types_of  # the consumer's rule for local annotations

        # the class statement's namespace, so annotations naming function-local types resolve
        cls._localns = _types_of(sys._getframe(1).f_locals)
        cls._hosts = []
        cls._registries = {}
        cls._screens_frames = cls.allow_frame is not Topic.allow_frame
        cls._forwards_text = not cls.recovery and not cls.send_completion
        cls._forwards_recovered_text = cls.recovery and not cls.send_completion
        pattern = vars(cls).get("pattern")
        if pattern is not None:
            if not isinstance(pattern, str) or not pattern:
                raise TypeError(f"{cls.__qualname__}.pattern must be a non-empty string")
            cls._regex, cls.param_names = compile_pattern(pattern, cls.__qualname__)
        if cls.recovery:
            if not (isinstance(cls.history_size, int) and cls.history_size >= 1):
                raise TypeError(f"{cls.__qualname__}.history_size must be an int >= 1")
            if not cls.history_ttl > 0:
                raise TypeError(f"{cls.__qualname__}.history_ttl must be > 0 seconds")
        cls._registries[False] = build_registry(cast("type[ConsumerConfig]", cls), cls._localns)

    def __init__(self, consumer: Sending, topic: str, params: dict[str, str]) -> None:
        self.consumer = consumer
        self.topic = topic
        self.params = params
        self.scope: Scope = consumer.scope
        self.channel_name: str = consumer.channel_name
        self.channel_layer: ChannelLayer | None = consumer.channel_layer
        self.channel_layer_alias = consumer.channel_layer_alias

    # -- the pattern ---------------------------------------------------------------------
    @classmethod
    def parse(cls, topic: str) -> dict[str, str] | None:
        """The placeholder values of ``topic``, or None when it does not match ``pattern``."""
        regex = cls._regex
        if regex is None:
            return None
        match = regex.fullmatch(topic)
        return match.groupdict() if match else None

    @classmethod
    def group_name(cls, topic: str) -> str:
        """The channel-layer group of ``topic``: ``<ClassName>.<slug of topic>``, bounded."""
        return safe_group_name(topic, namespace=cls.__name__)

    @classmethod
    def get_registry(cls, camelize: bool = False) -> Registry:
        """This topic's routing table (its own handlers), for a host that camelizes or not."""
        registry = cls._registries.get(camelize)
        if registry is None:
            view = type(
                cls.__name__,
                (cls,),
                {"camelize": camelize, "_registry_view": True, "__module__": cls.__module__},
            )
            registry = cls._registries[camelize] = build_registry(
                cast("type[ConsumerConfig]", view), cls._localns
            )
        return registry

    @classmethod
    def history_store(cls) -> HistoryStore:
        """The history store of this topic (``history``, else the process-wide default)."""
        return cls.history if cls.history is not None else DEFAULT_HISTORY

    # -- hooks ---------------------------------------------------------------------------
    async def authorize(self, *args: Any, **params: Any) -> bool:
        """May this connection subscribe? Called with the pattern's values as keyword
        arguments (``async def authorize(self, room_id: str) -> bool``). Default: yes."""
        return True

    async def on_subscribe(self) -> None:
        """After the join and the ``subscribed`` reply (frames sent here are pushes, no ref)."""

    async def on_unsubscribe(self) -> None:
        """Before leaving, on ``unsubscribe`` and when the connection ends (also abruptly)."""

    async def allow_frame(self, action: str | None) -> bool:
        """May this client frame for the topic reach validation and its handler?

        Called before validation with the frame's discriminator value (None when missing or
        not a string). Return False after answering the frame yourself (replies carry its
        ``ref``); the frame is then dropped. Not called at all unless a class overrides it.
        """
        return True

    # -- sending to this subscriber ------------------------------------------------------
    async def send_message(self, message: BaseModel) -> None:
        """Send ``message`` to this subscriber, stamped with the topic (and ref/seq if any)."""
        host = self.consumer
        text = host.encode_message(message)
        await host.send_text(stamp(text, self.topic, current_ref.get(), current_seq.get()))

    async def send_json(self, content: Any, close: bool = False) -> None:
        """Send a JSON object stamped with the topic; ``close=True`` then closes the host."""
        from pydantic_core import to_json

        host = self.consumer
        await host.send_text(stamp(to_json(content).decode(), self.topic, current_ref.get()))
        if close:
            await host.close()

    # -- publishing ----------------------------------------------------------------------
    @classmethod
    def get_channel_layer(cls, alias: str | None = None) -> ChannelLayer | None:
        """The layer of ``alias`` (default ``channel_layer_alias``) through the active binding."""
        wanted = cls.channel_layer_alias if alias is None else alias
        for host in cls._hosts:
            if getattr(host, "channel_layer_alias", None) == wanted:
                layer: ChannelLayer | None = host.get_channel_layer()  # type: ignore[attr-defined]
                return layer
        lookup = layer_lookup(cls._binding(), wanted)
        found: ChannelLayer | None = lookup.get_channel_layer()  # type: ignore[attr-defined]
        return found

    @classmethod
    def _binding(cls) -> type:
        return binding_for(cls, cls.consumer_base, cls._hosts)

    @classmethod
    async def broadcast(cls, topic: str, event: TopicEventT, *, seq: int | None = None) -> None:
        """Publish ``event`` to every connection subscribed to ``topic``, in any process.

        Without recovery, ``seq`` is passed through to clients (gap detection for a single
        producer). With recovery the history store assigns it; passing one is an error.

        Raises:
            LookupError: no channel layer is configured.
            ValueError: ``topic`` does not match this class's pattern, or ``seq`` was given
                for a topic with recovery.
        """
        if cls.parse(topic) is None:
            raise ValueError(f"{topic!r} does not match {cls.__qualname__}.pattern {cls.pattern!r}")
        layer = cls.get_channel_layer()
        if layer is None:
            raise LookupError(
                f"{cls.__qualname__} has no channel layer (channel_layer_alias="
                f"{cls.channel_layer_alias!r}); configure one to broadcast"
            )
        data = event.model_dump(mode="json")
        message: dict[str, Any] = {"type": TOPIC_EVENT, "topic": topic, "seq": seq}
        if cls.recovery:
            if seq is not None:
                raise ValueError(
                    f"{cls.__qualname__} numbers its publishes itself (recovery = True); "
                    "do not pass seq="
                )
            position = await cls.history_store().append(
                topic, event.model_dump_json(), size=cls.history_size, ttl=cls.history_ttl
            )
            message["seq"] = position.seq
            message["epoch"] = position.epoch
        message["event_data"] = data
        text = cls._passthrough_text(event)
        if text is not None:
            # Serialized and stamped once here; subscribers hand the same text to their
            # sockets, through the layer's fast path for ready text.
            message = topic_broadcast_envelope(
                stamp(text, topic, None, message["seq"]),
                topic,
                message["seq"],
                message.get("epoch"),
                data,
            )
        # Through the outage buffer like every chanx layer send (a Redis outage delays the
        # publish instead of losing it); telemetry reports on behalf of the first host.
        from chanx.core.connection import Connection  # the import cycle runs the other way

        host = cls._hosts[0] if cls._hosts else None
        observer = Connection._chanx_telemetry
        await send_buffered(layer, "group_send", cls.group_name(topic), message, host, observer)

    @classmethod
    def _passthrough_text(cls, event: BaseModel) -> str | None:
        """``event`` serialized when this topic forwards it unchanged (a passthrough event)."""
        registry = cls.get_registry(False)
        key = getattr(event, registry.discriminator_field, None) or getattr(event, "handler", None)
        route = registry.event_by_key.get(key) if isinstance(key, str) else None
        if route is None or not route.passthrough or type(event) is not route.input_type:
            return None
        return event.__pydantic_serializer__.to_json(event).decode()

    @classmethod
    def broadcast_sync(cls, topic: str, event: TopicEventT, *, seq: int | None = None) -> None:
        """Blocking :meth:`broadcast` for views, tasks, threads and scripts (not in a loop)."""
        try:
            import asyncio

            asyncio.get_running_loop()
        except RuntimeError:
            async_to_sync(cls.broadcast)(topic, event, seq=seq)
            return
        raise RuntimeError(
            f"{cls.__qualname__}.broadcast_sync() was called inside a running event loop, "
            f"where it would block it; use `await {cls.__qualname__}.broadcast(...)` instead"
        )

    # -- a dedicated route ---------------------------------------------------------------
    @overload
    @classmethod
    def as_consumer(cls) -> type[ChanxConsumer[Any]]: ...
    @overload
    @classmethod
    def as_consumer(cls, base: type[_C]) -> type[_C]: ...
    @classmethod
    def as_consumer(cls, base: type[Any] | None = None) -> type[Any]:
        """A consumer class serving only this topic: mount ``Topic.as_consumer().as_asgi()``.

        The topic string comes from the route's URL parameters (``pattern.format(**params)``)
        and is subscribed after authentication; frames without ``topic`` address it. ``base``
        defaults to the active binding's ``AsyncJsonWebsocketConsumer``.
        """
        return as_consumer_class(cls, base if base is not None else cls._binding())


class _NoMixins:
    """Topics have no consumer mixins; stands in for the mixin base in the class checks."""
