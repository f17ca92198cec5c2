"""The Django Channels consumer of chanx.

``AsyncJsonWebsocketConsumer`` is chanx's framework-free consumer bound to Channels 4: the
channel layer comes from ``CHANNEL_LAYERS`` (``channel_layer_alias``), URL arguments from
``URLRouter`` are available both as ``scope["url_route"]["kwargs"]`` (Channels' spelling) and as
``scope["path_params"]`` (the spelling chanx's examples and the ASGI binding use), and the
``CHANX`` setting supplies defaults for the configuration attributes.

Why the receive loop is chanx's and not Channels': Channels' ``dispatch`` awaits
``aclose_old_connections()`` (a hop to a worker thread) before every handler, which costs more
than routing the message. That hop is only needed when a handler touches the ORM directly
from async code; database access wrapped in ``channels.db.database_sync_to_async`` already
closes stale connections around each call. So it is skipped by default and opt-in with
``close_old_connections = True`` (or ``CHANX = {"close_old_connections": True}``).
"""

from __future__ import annotations

import contextlib
import functools
import threading
import weakref
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from channels.db import aclose_old_connections
from channels.exceptions import AcceptConnection, DenyConnection
from channels.generic.websocket import (
    AsyncJsonWebsocketConsumer as ChannelsJsonConsumer,
)
from channels.layers import get_channel_layer as channels_get_layer
from chanx.channels._daphne import daphne_protocol, refused_by_daphne
from chanx.channels.permissions import compile_django_permission
from chanx.channels.settings import get_chanx_settings, settings_epoch
from chanx.core.consumer import ChanxConsumer, EventT
from chanx.core.outage_buffer import outage_buffer
from chanx.core.permissions import PermissionCheck
from chanx.core.registry import Registry
from chanx.core.types import ASGIApp, ASGIReceive, ASGISend, LayerMessage, Scope
from chanx.core.websocket import ReceiveEvent

__all__ = ["AsyncJsonWebsocketConsumer", "ReceiveEvent"]

if TYPE_CHECKING:
    from chanx.core.types import ChannelLayer

    class _ChannelsSurface:
        """What Channels' consumer adds to chanx's core, as type checkers should see it.

        Channels' stubs type ``scope``, ``channel_layer`` and ``channel_layer_alias``
        differently from the core (which is what actually runs), so type checkers see only this
        surface: the helpers that really run (``receive_json``/``decode_json`` never do; a
        consumer defining them is refused). At run time the base is Channels'
        ``AsyncJsonWebsocketConsumer``.
        """

        async def send(
            self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
        ) -> None: ...
        async def send_json(self, content: Any, close: bool = False) -> None: ...
        @classmethod
        async def encode_json(cls, content: Any) -> str: ...
else:
    _ChannelsSurface = ChannelsJsonConsumer


_lock = threading.RLock()
_base_epoch: int | None = None  # the settings epoch last applied to the base class
_import_epoch: int | None = None  # the epoch applied before any subclass existed, if any
_seen: weakref.WeakKeyDictionary[type, int] = weakref.WeakKeyDictionary()
_compiled: weakref.WeakKeyDictionary[type, tuple[Any, ...]] = weakref.WeakKeyDictionary()


def _compiled_from(cls: Any) -> tuple[Any, ...]:
    """The attributes a class's routing table is compiled from."""
    return (
        cls.discriminator_field,
        bool(cls.camelize),
        cls.passthrough_method_prefix,
        frozenset(cls.log_ignored_actions),
    )


def _apply_to_base(epoch: int) -> None:
    """Make the ``CHANX`` values the class attributes of :class:`AsyncJsonWebsocketConsumer`."""
    global _base_epoch
    values = get_chanx_settings().consumer_defaults()  # validates: ImproperlyConfigured
    for name, value in values.items():
        setattr(AsyncJsonWebsocketConsumer, name, value)
    _base_epoch = epoch


#: Layers whose outage buffer follows ``CHANX``: layer -> the settings epoch it was set from.
_outage_configured: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()


def _configure_outage_buffer(layer: Any) -> None:
    """Give ``layer``'s outage buffer the ``OUTAGE_MAX_AGE``/``OUTAGE_MAX_ITEMS`` of ``CHANX``.

    Once per layer and settings change, and only the keys the project set; the bounds are
    updated in place, so messages already waiting in the buffer stay there.
    """
    epoch = settings_epoch()
    if _outage_configured.get(layer) == epoch:
        return
    chanx = get_chanx_settings()
    buffer = outage_buffer(layer)
    if "OUTAGE_MAX_AGE" in chanx.model_fields_set:
        buffer.max_age = chanx.OUTAGE_MAX_AGE
    if "OUTAGE_MAX_ITEMS" in chanx.model_fields_set:
        buffer.max_items = chanx.OUTAGE_MAX_ITEMS
    _outage_configured[layer] = epoch


def _ensure_settings(cls: Any) -> None:
    """Apply a new ``CHANX`` to the base class, then recompile ``cls``'s table if it depends on it.

    Cheap when nothing changed (two look-ups); runs when a connection starts, an event is sent
    or a tool reads the registry, never per message.
    """
    epoch = settings_epoch()
    if _base_epoch == epoch and _seen.get(cls) == epoch:
        return
    with _lock:
        if _base_epoch != epoch:
            _apply_to_base(epoch)
        if _seen.get(cls) == epoch:
            return
        current = _compiled_from(cls)
        known = _compiled.get(cls)
        # A class first seen was compiled from the values of its creation; they are the
        # current ones only if nothing changed since the base was set up at import.
        if known is None and _import_epoch == epoch:
            known = current
        if known != current:
            cls.rebuild_registry()
        _compiled[cls] = current
        _seen[cls] = epoch


class AsyncJsonWebsocketConsumer(ChanxConsumer[EventT], _ChannelsSurface):
    """Typed JSON WebSocket consumer for Django Channels, routed by ``@ws_handler``.

    Route it with ``URLRouter([path("ws/chat/<int:pk>/", Consumer.as_asgi())])``. Channels'
    ``send``/``send_json`` stay available for raw frames; chanx's ``send_message`` and
    ``broadcast_message`` are the typed way.
    """

    #: Await ``channels.db.aclose_old_connections()`` before each client frame and event
    #: handler, as Channels does. Only needed for direct (non ``database_sync_to_async``) ORM
    #: use from handlers; off by default because it costs a thread hop per message.
    close_old_connections: bool = False

    accept_exceptions = (AcceptConnection,)
    deny_exceptions = (DenyConnection,)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _ensure_settings(type(self))
        super().__init__()
        for key, value in kwargs.items():
            setattr(self, key, list(value) if key == "groups" else value)

    @classmethod
    def as_asgi(cls, **initkwargs: Any) -> ASGIApp:
        """ASGI app serving one new instance per connection (keeps ``consumer_class``).

        ``initkwargs`` override class attributes per route, like Channels'; unknown names are
        rejected here rather than at the first connection.
        """
        for key in initkwargs:
            if not hasattr(cls, key):
                raise TypeError(
                    f"{cls.__qualname__}.as_asgi() got {key!r}, which is not an attribute of "
                    "the consumer"
                )
        app = super().as_asgi(**initkwargs)
        functools.update_wrapper(app, cls, updated=())
        return app

    @classmethod
    def get_registry(cls) -> Registry:
        """The routing table, after the ``CHANX`` setting has been applied to this class."""
        _ensure_settings(cls)
        return super().get_registry()

    @classmethod
    def compile_permission(cls, permission: Any, where: str) -> PermissionCheck:
        """DRF permission classes are accepted too (:mod:`chanx.channels.permissions`)."""
        return compile_django_permission(permission, where)

    @classmethod
    def get_channel_layer(cls) -> ChannelLayer | None:
        """The Channels layer of ``channel_layer_alias`` (``None`` if the alias is absent)."""
        _ensure_settings(cls)
        alias = cls.channel_layer_alias
        if alias is None:
            return None
        layer: Any = channels_get_layer(alias)
        if layer is not None:
            _configure_outage_buffer(layer)
        return cast("ChannelLayer | None", layer)

    async def __call__(self, scope: Scope, receive: ASGIReceive, send: ASGISend) -> None:
        route = scope.get("url_route")
        if route is not None and "path_params" not in scope:
            scope = {**scope, "path_params": dict(route.get("kwargs", {}))}
        # AuthMiddlewareStack's user (already resolved when the consumer runs) until an
        # authenticator, if any, sets its own.
        self.user = scope.get("user")
        await super().__call__(scope, receive, send)

    async def send_close_frame(self, code: int, reason: str | None) -> None:
        """Close; under daphne, codes its WebSocket library refuses go out directly.

        A graceful shutdown closes with 1012, which daphne cannot send for an application
        (see :mod:`chanx.channels._daphne`).
        """
        if refused_by_daphne(code):
            protocol = daphne_protocol(self.base_send)
            if protocol is not None:
                reason_bytes = reason.encode() if reason else None
                protocol.sendCloseFrame(code=code, reasonUtf8=reason_bytes, isReply=False)
                return
        await super().send_close_frame(code, reason)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Route one client frame (after closing stale DB connections when configured)."""
        if self.close_old_connections:
            await aclose_old_connections()
        await super().receive(text_data, bytes_data)

    async def chanx_event(self, message: LayerMessage) -> None:
        """Route one server-side event (after closing stale DB connections when configured)."""
        if self.close_old_connections:
            await aclose_old_connections()
        await super().chanx_event(message)


def _apply_at_import() -> None:
    """Set the base class up before any subclass exists, when Django is ready for it.

    Classes created afterwards then compile their routing table from the right values and
    never need a second compilation. Otherwise the first use of each class applies it.
    """
    global _import_epoch
    from django.apps import apps
    from django.conf import settings

    if settings.configured and apps.ready:
        epoch = settings_epoch()
        with _lock:
            _apply_to_base(epoch)
            _import_epoch = epoch


def _on_setting_changed(*, setting: str, **_kwargs: Any) -> None:
    # Applied at once, so consumer classes defined while the setting is active (inside
    # ``override_settings``) compile from it. A wrong value is reported on first use instead.
    if setting == "CHANX":
        with _lock, contextlib.suppress(ImproperlyConfigured):
            _apply_to_base(settings_epoch())


_apply_at_import()
setting_changed.connect(_on_setting_changed, dispatch_uid="chanx.channels.websocket")
