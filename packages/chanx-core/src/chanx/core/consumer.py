"""The framework-free consumer: one ASGI WebSocket connection speaking typed JSON.

``ChanxConsumer`` is assembled from one part per idea, each a module of its own:
:mod:`~chanx.core.config` (the attributes), :mod:`~chanx.core.connection` (ASGI loop, state,
groups, layer delivery), :mod:`~chanx.core.sending`, :mod:`~chanx.core.receiving` (client
frames) and :mod:`~chanx.core.events`. This module adds what needs them all: the class-time
build of the routing table and the connection's lifecycle. Bindings subclass it together with
their framework's consumer and supply the channel layer lookup.

Connection lifecycle: authenticate, join ``groups``, run ``post_authentication()``, start
layer delivery, and only then accept the handshake, so an open connection is already in every
group it belongs to. Frames are routed only while the connection is open.
"""

from __future__ import annotations

import sys
import types
import typing
from typing import TYPE_CHECKING, Any, ClassVar

from chanx.core._authenticate import authenticate_connection
from chanx.core._checks import check_consumer_class
from chanx.core._mailbox import Mailbox
from chanx.core.events import Events, EventT
from chanx.core.layer_reader import LayerReader
from chanx.core.permissions import PermissionCheck, compile_permission
from chanx.core.registry import Registry, build_registry, merged_attribute
from chanx.core.sending import Sending
from chanx.core.topic_host import TopicHost
from chanx.core.types import is_direct_delivery

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from chanx.core.types import ASGIApp, ASGIReceive, ASGISend, LayerMessage, Scope

__all__ = ["ChanxConsumer", "ConsumerMixin", "EventT"]


class ConsumerMixin:
    """Base of classes that add handlers or hooks to consumers (presence, rate limiting...).

    A mixin must come before the consumer base class in a consumer's bases, or its hooks
    would never run; a consumer whose bases list one after it is refused at class creation.
    """


class ChanxConsumer(TopicHost, Events[EventT]):
    """Decorator-routed JSON WebSocket consumer, independent of any web framework.

    The optional type parameter (``Consumer[MyEvent]``) only types ``send_event`` and
    ``broadcast_event``; it changes nothing at run time.
    """

    #: Framework hooks this consumer never calls, each with the chanx hook to use instead;
    #: a subclass overriding one is refused at class creation. Bindings extend it.
    refused_hooks: ClassVar[dict[str, str]] = {
        "receive_json": "chanx validates each frame itself: declare @ws_handler methods, or "
        "override receive(text_data, bytes_data) and call super() to see raw frames",
        "decode_json": "chanx parses frames with Pydantic in one pass: declare the frame as a "
        "message model and handle it with @ws_handler",
    }

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_consumer_class(cls, ChanxConsumer, ConsumerMixin, cls.refused_hooks)
        # The caller's frame is where the class statement runs: its locals let annotations
        # that name function-local types resolve, as Pydantic does for models.
        cls._chanx_localns = _types_of(sys._getframe(1).f_locals)
        cls._chanx = build_registry(cls, cls._chanx_localns, cls.compile_permission)
        cls._chanx_ignored = frozenset(cls.log_ignored_actions)
        cls._chanx_extra_groups = tuple(merged_attribute(cls, "extra_groups", True))

    _chanx_localns: ClassVar[dict[str, Any]] = {}

    @classmethod
    def get_registry(cls) -> Registry:
        """The compiled routing table of this class: handlers, message types, event keys.

        The one source for routing, the AsyncAPI generator and other tools. Bindings that
        apply project settings (Django's ``CHANX``) apply them before returning it, so what a
        tool reads is what a connection would see.
        """
        return cls._chanx

    @classmethod
    def rebuild_registry(cls) -> Registry:
        """Compile the routing table again after a setting it depends on changed.

        ``camelize``, ``discriminator_field``, ``passthrough_method_prefix`` and
        ``log_ignored_actions`` are read when the table is built; a binding that changes them
        on a class after its creation (Django's ``CHANX`` setting) calls this.
        """
        cls._chanx = build_registry(cls, cls._chanx_localns, cls.compile_permission)
        cls._chanx_ignored = frozenset(cls.log_ignored_actions)
        return cls._chanx

    @classmethod
    def compile_permission(cls, permission: Any, where: str) -> PermissionCheck:
        """Compile one ``permission_classes`` entry (bindings extend the accepted kinds).

        The core takes :class:`~chanx.core.permissions.BasePermission` subclasses and
        callables ``(consumer, message) -> bool``.
        """
        return compile_permission(permission, where)

    @classmethod
    def as_asgi(cls, **initkwargs: Any) -> ASGIApp:
        """An ASGI application that serves each connection with a new instance.

        The returned callable carries ``consumer_class`` and ``consumer_initkwargs`` (as
        Channels' does), which is how the AsyncAPI generator finds routed consumers.
        """

        async def app(scope: Scope, receive: ASGIReceive, send: ASGISend) -> None:
            await cls(**initkwargs)(scope, receive, send)

        app.consumer_class = cls  # type: ignore[attr-defined]
        app.consumer_initkwargs = initkwargs  # type: ignore[attr-defined]
        return app

    async def connect(self) -> None:
        """Authenticate, join ``groups``, call ``post_authentication``, read events, accept.

        The handshake completes last, so a client whose connection opened is already in its
        groups (including those ``post_authentication`` adds) and receives every broadcast
        from then on. Anything sent earlier (a failed authentication's reason, a message from
        ``post_authentication``) accepts the handshake first, on demand.
        """
        if not await authenticate_connection(self):
            return
        layer = self.channel_layer
        if layer is not None:
            for group in self.groups:
                await layer.group_add(group, self.channel_name)
        await self.post_authentication()
        self._chanx_start_delivery()
        await self.accept()

    def _chanx_start_delivery(self) -> None:
        layer = self.channel_layer
        if layer is None or self.closed:
            return
        if is_direct_delivery(layer) and layer.direct_delivery:
            # Broadcast text is forwarded in the sender's task unless a subclass overrides
            # chanx_broadcast (its code is a user handler then, run by the backlog task).
            # Without topics the forward skips TopicHost's level, which would only hand the
            # message on to Sending's: that coroutine level cost 0.4-0.5 us of the ~6.5 us
            # per receiver of a broadcast to 1,000 connections (bench/bench_fanout.py).
            forward: Callable[[LayerMessage], Coroutine[Any, Any, None]] | None = None
            if type(self).chanx_broadcast is ChanxConsumer.chanx_broadcast:
                if self._topic_router is None:
                    forward = types.MethodType(Sending.chanx_broadcast, self)
                else:
                    forward = self.chanx_broadcast
            # Events skip dispatch's lookup by name unless a subclass overrides either step.
            cls = type(self)
            event = None
            if cls.dispatch is ChanxConsumer.dispatch and cls.chanx_event is Events.chanx_event:
                event = self._chanx_event_handling
            self._chanx_mailbox = Mailbox(self, layer.capacity, self.dispatch, forward, event)
            layer.attach(self.channel_name, self._chanx_mailbox)
        else:
            self._chanx_reader = LayerReader(self, layer, self.channel_name)
            self._chanx_reader.start()


def _types_of(namespace: dict[str, Any]) -> dict[str, Any]:
    """The names of a defining namespace that annotations may refer to: types and aliases.

    Kept for :meth:`ChanxConsumer.rebuild_registry`; other values are not kept alive.
    """
    return {
        name: value
        for name, value in namespace.items()
        if isinstance(value, type | types.UnionType) or typing.get_origin(value) is not None
    }
