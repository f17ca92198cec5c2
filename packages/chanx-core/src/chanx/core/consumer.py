"""The framework-free consumer: one ASGI WebSocket connection speaking typed JSON.

``ChanxConsumer`` runs its own receive loop instead of the framework's: client frames are read
and handled inline, in order, and one long-lived task drains the channel layer (on the
in-memory layer, a mailbox the layer delivers to directly replaces that task: see
:mod:`chanx.core._mailbox`). This avoids a future plus ``asyncio.wait`` per frame (a cost as
large as the whole request in measurements) and keeps each request/reply to about two loop
iterations. The trade-off: layer messages (broadcasts, events) may run while a frame handler
awaits. Bindings subclass it together with their framework's consumer and only supply the
channel layer lookup.

Connection lifecycle: authenticate, join ``groups``, run ``post_authentication()``, start
reading the layer, and only then accept the handshake, so an open connection is already in
every group it belongs to. Frames are routed only while the connection is open.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Iterable, Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, ClassVar, Generic

from asgiref.sync import async_to_sync
from pydantic import BaseModel, ValidationError
from typing_extensions import TypeVar

from chanx.core._mailbox import Mailbox
from chanx.core._wire import current_ref, extract_ref, with_ref
from chanx.core.camel import camel_model
from chanx.core.errors import error_entry, error_frame, schema_names, validation_error_entries
from chanx.core.layer_reader import LayerReader, dispatch_layer_message
from chanx.core.registry import Registry, Route, build_registry, event_key_field
from chanx.messages.outgoing import AuthenticationMessage, AuthenticationPayload

if TYPE_CHECKING:
    from chanx.core.authenticator import BaseAuthenticator
    from chanx.core.types import (
        ASGIApp,
        ASGIReceive,
        ASGISend,
        ChannelLayer,
        LayerMessage,
        Scope,
    )

__all__ = ["ChanxConsumer", "EventT"]

logger = logging.getLogger("chanx.consumer")

# A default makes the parameter optional for strict type checkers too (PEP 696), so a bare
# `class C(AsyncJsonWebsocketConsumer)` is as valid as `AsyncJsonWebsocketConsumer[MyEvent]`.
EventT = TypeVar("EventT", bound=BaseModel, default=BaseModel)

BROADCAST = "chanx.broadcast"
EVENT = "chanx.event"

_BINARY = error_frame(
    [error_entry("binary_frame", "Binary frames are not supported; send JSON text")]
)
_INTERNAL = error_frame([error_entry("handler_error", "Failed to process message")])
_TIMEOUT = error_frame([error_entry("handler_timeout", "The handler took too long")])
_COMPLETE = '{"action":"complete"}'


class ChanxConsumer(Generic[EventT]):
    """Decorator-routed JSON WebSocket consumer, independent of any web framework.

    The optional type parameter (``Consumer[MyEvent]``) only types ``send_event`` and
    ``broadcast_event``; it changes nothing at run time.
    """

    # -- configuration (plain class attributes, read directly on the hot path) --------------
    #: Send ``{"action": "complete"}`` after each frame's handler finished.
    send_completion: bool = False
    #: Yield to the event loop after each send (costs a loop iteration per message).
    send_message_immediately: bool = False
    #: Log each received frame's action at INFO level.
    log_websocket_message: bool = False
    #: Actions never logged even when ``log_websocket_message`` is on.
    log_ignored_actions: Iterable[str] = ()
    #: snake_case models, camelCase on the wire.
    camelize: bool = False
    #: Field whose Literal value routes a frame.
    discriminator_field: str = "action"
    #: Channel layer alias; ``None`` disables the layer.
    channel_layer_alias: str | None = "default"
    #: Authenticator run after the handshake, before any frame is routed.
    authenticator_class: type[BaseAuthenticator] | None = None
    #: Groups joined after authentication and targeted by default broadcasts.
    groups: list[str] = []
    #: Event types forwarded to the client unchanged (merged across the MRO).
    passthrough_events: Sequence[type[BaseModel]] = ()
    #: Prefix of the generated passthrough handler methods.
    passthrough_method_prefix: str = "handle_passthrough_"
    #: Largest accepted text frame, in characters; larger frames get an error frame.
    max_message_size: int = 1_048_576
    #: Frames of one connection handled at once; 1 keeps strict order.
    max_concurrent_handlers: int = 1
    #: Seconds a handler may run before it is cancelled with an error frame; None: no limit.
    handler_timeout: float | None = None

    _chanx: ClassVar[Registry]
    _chanx_ignored: ClassVar[frozenset[str]] = frozenset()

    scope: Scope
    channel_layer: ChannelLayer | None
    channel_name: str
    user: Any
    authenticator: Any

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The caller's frame is where the class statement runs: its locals let annotations
        # that name function-local types resolve, as Pydantic does for models.
        cls._chanx = build_registry(cls, sys._getframe(1).f_locals)
        cls._chanx_ignored = frozenset(cls.log_ignored_actions)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.groups = list(type(self).groups)
        self.user = None
        self.authenticator = None
        self.channel_layer = None
        self.channel_name = ""
        self._chanx_open = False  # handshake accepted and not closed
        self._chanx_closed = False
        self._chanx_stopped = False
        self._chanx_reader: LayerReader | None = None
        self._chanx_mailbox: Mailbox | None = None
        self._chanx_tasks: set[asyncio.Task[None]] = set()
        self._chanx_slots: asyncio.Semaphore | None = None

    # -- public seams ------------------------------------------------------------------------
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
        """Recompile this class's routing table from its current class attributes.

        For bindings whose project settings change attributes the table is compiled from
        (``discriminator_field``, ``camelize``, ``passthrough_method_prefix``,
        ``log_ignored_actions``) after the class was created. Types named in the current
        table resolve again even when they were local to the function defining the class.
        """
        known: dict[str, Any] = {}
        for route in (*cls._chanx.ws_routes, *cls._chanx.event_routes):
            for kind in (route.input_type, route.output_type):
                if isinstance(kind, type):
                    known[kind.__name__] = kind
        cls._chanx = build_registry(cls, known)
        cls._chanx_ignored = frozenset(cls.log_ignored_actions)
        return cls._chanx

    # -- binding hooks -----------------------------------------------------------------------
    @classmethod
    def get_channel_layer(cls) -> ChannelLayer | None:
        """The channel layer of ``channel_layer_alias``; bindings look it up in their framework."""
        return None

    # -- ASGI --------------------------------------------------------------------------------
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

    async def __call__(self, scope: Scope, receive: ASGIReceive, send: ASGISend) -> None:
        self.scope = scope
        self.base_send = send
        layer = self.get_channel_layer()
        self.channel_layer = layer
        if layer is not None:
            self.channel_name = await layer.new_channel()
        try:
            while True:
                message = await receive()
                kind = message["type"]
                if kind == "websocket.receive":
                    # only on an open connection: never before the handshake completed (so
                    # never before authentication), never after close
                    if self._chanx_open:
                        await self.receive(message.get("text"), message.get("bytes"))
                elif kind == "websocket.connect":
                    await self.websocket_connect(message)
                elif kind == "websocket.disconnect":
                    await self.websocket_disconnect(message)
                    return
        finally:
            await self._chanx_stop()

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        """Handshake: call :meth:`connect`; groups and events start once it authenticated."""
        await self.connect()

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        """Client went away: stop reading events, leave groups, call :meth:`disconnect`."""
        await self._chanx_stop()
        await self.disconnect(message.get("code", 1005))

    async def connect(self) -> None:
        """Authenticate, join ``groups``, call ``post_authentication``, read events, accept.

        The handshake completes last, so a client whose connection opened is already in its
        groups (including those ``post_authentication`` adds) and receives every broadcast
        from then on. Anything sent earlier (a failed authentication's reason, a message from
        ``post_authentication``) accepts the handshake first, on demand.
        """
        if not await self._chanx_authenticate():
            return
        layer = self.channel_layer
        if layer is not None:
            for group in self.groups:
                await layer.group_add(group, self.channel_name)
        await self.post_authentication()
        if layer is not None and not self._chanx_closed:
            if getattr(layer, "direct_delivery", False):  # delivers to local connections itself
                capacity = getattr(layer, "capacity", 100)
                eager = type(self).chanx_broadcast is ChanxConsumer.chanx_broadcast
                self._chanx_mailbox = Mailbox(self, capacity, self._chanx_dispatch, eager)
                layer.attach(self.channel_name, self._chanx_mailbox)  # type: ignore[attr-defined]
            else:
                self._chanx_reader = LayerReader(self, layer, self.channel_name)
                self._chanx_reader.start()
        if not self._chanx_open and not self._chanx_closed:
            await self.accept()

    async def _chanx_dispatch(self, message: LayerMessage) -> None:
        await dispatch_layer_message(self, message)

    async def post_authentication(self) -> None:
        """Hook: runs after successful authentication, before any frame is routed."""

    async def disconnect(self, code: int) -> None:
        """Hook: runs when the connection closed."""

    async def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        """Accept the WebSocket handshake."""
        message: dict[str, Any] = {"type": "websocket.accept", "subprotocol": subprotocol}
        if headers:
            message["headers"] = list(headers)
        self._chanx_open = True
        await self.base_send(message)

    async def close(self, code: int | None = None, reason: str | None = None) -> None:
        """Close the connection; later client frames are ignored."""
        self._chanx_closed = True
        self._chanx_open = False
        message: dict[str, Any] = {"type": "websocket.close", "code": code or 1000}
        if reason:
            message["reason"] = reason
        await self.base_send(message)

    @property
    def closed(self) -> bool:
        """True once the server sent a close frame; nothing more is sent or routed then."""
        return self._chanx_closed

    async def _chanx_stop(self) -> None:
        if self._chanx_stopped:
            return
        self._chanx_stopped = True
        reader, self._chanx_reader = self._chanx_reader, None
        if reader is not None:
            await reader.stop()
        mailbox, self._chanx_mailbox = self._chanx_mailbox, None
        if mailbox is not None:
            detach = getattr(self.channel_layer, "detach", None)
            if detach is not None:
                detach(self.channel_name)
            await mailbox.close()
        for task in list(self._chanx_tasks):
            task.cancel()
        layer = self.channel_layer
        if layer is not None and self.channel_name:
            for group in self.groups:
                try:
                    await layer.group_discard(group, self.channel_name)
                except Exception:
                    logger.warning("could not leave group %r", group, exc_info=True)
            forget = getattr(layer, "forget_channel", None)
            if forget is not None:
                forget(self.channel_name)

    async def _chanx_authenticate(self) -> bool:
        auth_class = self.authenticator_class
        if auth_class is None:
            return True
        auth = auth_class(self)
        self.authenticator = auth
        try:
            ok = await auth.authenticate()
        except Exception:
            logger.exception("authenticator %s failed", auth_class.__qualname__)
            ok, auth.status_code, auth.detail = False, 500, "Authentication could not complete"
        if ok:
            self.user = auth.user
            return True
        status = auth.status_code if 400 <= auth.status_code <= 599 else 401
        payload = AuthenticationPayload(
            status_code=status, status_text=HTTPStatus(status).phrase, detail=auth.detail
        )
        await self.send_message(AuthenticationMessage(payload=payload))
        await self.close(code=4000 + status)
        return False

    # -- receive path ------------------------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Validate one client frame, route it to its handler and send the reply.

        Mixins may override it to inspect raw frames first; they call ``super().receive``.
        """
        if text_data is None:
            await self._chanx_send_text(_BINARY)
            return
        if len(text_data) > self.max_message_size:
            entry = error_entry(
                "message_too_large", f"Frames are limited to {self.max_message_size} characters"
            )
            await self._chanx_send_text(error_frame([entry]))
            return
        registry = self._chanx
        ref = extract_ref(text_data) if '"ref"' in text_data else None
        if registry.incoming is None:
            entry = error_entry("no_handlers", "This endpoint accepts no messages")
            await self._chanx_send_text(with_ref(error_frame([entry]), ref))
            return
        try:
            message = registry.incoming.validate_json(text_data)
        except ValidationError as exc:
            known = schema_names(tuple(registry.ws_by_type))
            entries = validation_error_entries(exc, registry.discriminator_field, known)
            await self._chanx_send_text(with_ref(error_frame(entries), ref))
            return
        route = registry.ws_by_type[type(message)]
        if self.log_websocket_message:
            action = getattr(message, registry.discriminator_field, None)
            if action not in self._chanx_ignored:
                logger.info("received %r on %s", action, self.scope.get("path"))
        if self.max_concurrent_handlers <= 1:
            await self._chanx_run(route, message, ref)
            return
        slots = self._chanx_slots
        if slots is None:
            slots = self._chanx_slots = asyncio.Semaphore(self.max_concurrent_handlers)
        await slots.acquire()  # backpressure: stop reading frames while all slots are busy
        task = asyncio.create_task(self._chanx_run(route, message, ref))
        self._chanx_tasks.add(task)
        task.add_done_callback(self._chanx_task_done)

    def _chanx_task_done(self, task: asyncio.Task[None]) -> None:
        self._chanx_tasks.discard(task)
        if self._chanx_slots is not None:
            self._chanx_slots.release()

    async def _chanx_run(self, route: Route, message: BaseModel, ref: str | int | None) -> None:
        token = current_ref.set(ref) if ref is not None else None
        try:
            if self.handler_timeout is None:
                result = await route.func(self, message)
            else:
                async with asyncio.timeout(self.handler_timeout):
                    result = await route.func(self, message)
        except TimeoutError:
            logger.error("handler %s timed out after %ss", route.name, self.handler_timeout)
            await self._chanx_send_text(with_ref(_TIMEOUT, ref))
            return
        except Exception:
            logger.exception("handler %s failed", route.name)
            await self._chanx_send_text(with_ref(_INTERNAL, ref))
            return
        finally:
            if token is not None:
                current_ref.reset(token)
        if result is not None:
            await self._chanx_send_text(with_ref(self.encode_message(result), ref))
        if self.send_completion:
            await self._chanx_send_text(with_ref(_COMPLETE, ref))

    # -- sending -----------------------------------------------------------------------------
    def encode_message(self, message: BaseModel) -> str:
        """Serialize a message once, in camelCase when the consumer camelizes."""
        model = type(message)
        if self.camelize:
            model = camel_model(model)
        return model.__pydantic_serializer__.to_json(message).decode()

    async def _chanx_send_text(self, text: str) -> None:
        if not self._chanx_open:  # one check on the hot path; the rare cases below
            if self._chanx_closed:
                return  # nothing may follow a close frame
            await self.accept()  # sending during connect() completes the handshake first
        await self.base_send({"type": "websocket.send", "text": text})
        if self.send_message_immediately:
            await asyncio.sleep(0)

    async def send_message(self, message: BaseModel) -> None:
        """Send a message to this connection's client (echoing the current frame's ``ref``)."""
        await self._chanx_send_text(with_ref(self.encode_message(message), current_ref.get()))

    async def broadcast_message(
        self,
        message: BaseModel,
        groups: Iterable[str] | None = None,
        exclude_current: bool = False,
    ) -> None:
        """Send a message to every connection in ``groups`` (default: this consumer's groups).

        The message is serialized once here; receivers forward the ready text.
        """
        layer = self._chanx_require_layer(self.channel_layer)
        envelope: LayerMessage = {"type": BROADCAST, "text": self.encode_message(message)}
        if exclude_current:
            envelope["exclude"] = self.channel_name
        for group in self.groups if groups is None else groups:
            await layer.group_send(group, envelope)

    async def chanx_broadcast(self, message: LayerMessage) -> None:
        """Layer handler: forward a broadcast's text to the client."""
        if message.get("exclude") != self.channel_name:
            await self._chanx_send_text(message["text"])

    # -- events ------------------------------------------------------------------------------
    async def chanx_event(self, message: LayerMessage) -> None:
        """Layer handler: validate an event, run its ``@event_handler``, send the result."""
        route = self._chanx.event_by_key.get(message.get("key", ""))
        if route is None:
            logger.debug("%s ignores event %r", type(self).__qualname__, message.get("key"))
            return
        try:
            event = route.input_type.model_validate_json(message["event"])
        except ValidationError:
            logger.error("invalid %s event for %s", message.get("key"), type(self).__qualname__)
            return
        try:
            result = await route.func(self, event)
        except Exception:
            logger.exception("event handler %s failed", route.name)
            return
        if result is not None:
            await self._chanx_send_text(self.encode_message(result))

    @classmethod
    def _chanx_event_envelope(cls, event: BaseModel) -> LayerMessage:
        key = getattr(event, event_key_field(type(event), cls.discriminator_field), None)
        if not isinstance(key, str):
            raise TypeError(
                f"{type(event).__qualname__} has no string discriminator; events need a Literal"
            )
        return {"type": EVENT, "key": key, "event": event.model_dump_json()}

    @classmethod
    def _chanx_require_layer(cls, layer: ChannelLayer | None = None) -> ChannelLayer:
        layer = layer or cls.get_channel_layer()
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
        await layer.send(channel_name, cls._chanx_event_envelope(event))

    @classmethod
    async def broadcast_event(cls, event: EventT, groups: Iterable[str] | None = None) -> None:
        """Deliver an event to every connection in ``groups`` (default: the class's groups)."""
        layer = cls._chanx_require_layer()
        envelope = cls._chanx_event_envelope(event)
        for group in cls.groups if groups is None else groups:
            await layer.group_send(group, envelope)

    @classmethod
    def send_event_sync(cls, event: EventT, channel_name: str) -> None:
        """Blocking :meth:`send_event` for views, tasks, threads and scripts."""
        async_to_sync(cls.send_event)(event, channel_name)

    @classmethod
    def broadcast_event_sync(cls, event: EventT, groups: Iterable[str] | None = None) -> None:
        """Blocking :meth:`broadcast_event` for views, tasks, threads and scripts."""
        async_to_sync(cls.broadcast_event)(event, groups)
