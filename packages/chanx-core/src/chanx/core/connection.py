"""One WebSocket connection: its ASGI loop, its state, its groups and its layer delivery.

``Connection`` runs its own receive loop instead of a framework's: client frames are read and
handled inline, in order, and layer messages arrive either through one long-lived reader task
(:class:`~chanx.core.layer_reader.LayerReader`) or, on a layer that delivers directly, through
a mailbox (:mod:`chanx.core._mailbox`). Both paths end in :meth:`Connection.dispatch`. This
avoids a future plus ``asyncio.wait`` per frame (a cost as large as the whole request in
measurements) and keeps each request/reply to about two loop iterations. The trade-off: layer
messages (broadcasts, events) may run while a frame handler awaits.

The connection is in exactly one :class:`ConnectionState`; every method checks that one value
instead of a set of flags.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from typing import TYPE_CHECKING, Any, ClassVar, cast

from pydantic import BaseModel

from chanx.constants import CLOSE_SERVICE_RESTART
from chanx.core import shutdown
from chanx.core.config import ConsumerConfig
from chanx.core.layer_messages import handler_name
from chanx.core.types import forgets_channels

if TYPE_CHECKING:
    from chanx.core._mailbox import Mailbox
    from chanx.core.layer_reader import LayerReader
    from chanx.core.telemetry import Observer
    from chanx.core.types import (
        ASGIReceive,
        ASGISend,
        ChannelLayer,
        DirectDeliveryLayer,
        LayerMessage,
        Scope,
    )

__all__ = ["Connection", "ConnectionState"]

logger = logging.getLogger("chanx.consumer")

#: Seconds a graceful close waits for the client's answer to the close frame.
_CLOSE_HANDSHAKE = 3.0


class ConnectionState(enum.Enum):
    """Where a connection is in its life."""

    #: The handshake is not answered yet (authentication and group joins run now).
    CONNECTING = "connecting"
    #: The handshake was accepted: client frames are routed.
    OPEN = "open"
    #: The server sent a close frame: nothing more is sent or routed.
    CLOSED = "closed"
    #: The connection ended: delivery stopped and groups left. Final.
    STOPPED = "stopped"


_CONNECTING = ConnectionState.CONNECTING
_OPEN = ConnectionState.OPEN
_CLOSED = ConnectionState.CLOSED
_STOPPED = ConnectionState.STOPPED


class Connection(ConsumerConfig):
    """ASGI loop, handshake, close, groups and layer delivery of one connection."""

    #: Raised from ``connect``/``post_authentication``: accept the handshake (the framework's
    #: ``AcceptConnection``; bindings set it).
    accept_exceptions: ClassVar[tuple[type[Exception], ...]] = ()
    #: Raised from ``connect``/``post_authentication``: refuse the handshake (the framework's
    #: ``DenyConnection``; bindings set it).
    deny_exceptions: ClassVar[tuple[type[Exception], ...]] = ()
    #: The installed telemetry observer (:func:`chanx.core.telemetry.install`); None: off.
    _chanx_telemetry: ClassVar[Observer | None] = None

    #: ``extra_groups`` merged over the MRO, most derived first (computed per class).
    _chanx_extra_groups: ClassVar[tuple[str, ...]] = ()

    scope: Scope
    base_send: ASGISend
    channel_layer: ChannelLayer | None
    channel_name: str
    user: Any
    authenticator: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and isinstance(args[0], dict) and "type" in args[0]:
            raise TypeError(
                f"{type(self).__qualname__} was called as an ASGI application; route "
                f"{type(self).__qualname__}.as_asgi(), not the class itself"
            )
        super().__init__(*args, **kwargs)
        # A list assigned before super().__init__() (per-instance groups) is kept; the
        # class's merged extra_groups follow.
        own = self.__dict__.get("groups")
        groups = list(type(self).groups if own is None else own)
        groups.extend(g for g in self._chanx_extra_groups if g not in groups)
        self.groups = groups
        self.user = None
        self.authenticator = None
        self.channel_layer = None
        self.channel_name = ""
        self._chanx_state = _CONNECTING
        #: A frame to send right after the handshake is accepted (the authentication result).
        self._chanx_greeting: BaseModel | None = None
        self._chanx_reader: LayerReader | None = None
        self._chanx_mailbox: Mailbox | None = None
        self._chanx_tasks: set[asyncio.Task[None]] = set()
        #: The authentication expiry timer (chanx.core._auth_expiry); None: no expiry.
        self._chanx_expiry: asyncio.TimerHandle | None = None
        # -- graceful shutdown (chanx.core.shutdown) --
        self._chanx_loop: asyncio.AbstractEventLoop | None = None
        #: True while the receive loop handles an ASGI event (connect or a frame).
        self._chanx_busy = False
        #: The close code of a graceful close in progress (None: none).
        self._chanx_restart: int | None = None
        self._chanx_ended: asyncio.Event | None = None
        self._chanx_deadline = 0.0
        self._chanx_task: asyncio.Task[Any] | None = None

    @property
    def state(self) -> ConnectionState:
        """The connection's current state."""
        return self._chanx_state

    @property
    def url_params(self) -> dict[str, Any]:
        """URL captures of the route: Starlette's ``path_params`` or Channels' route kwargs."""
        params = self.scope.get("path_params")
        if params is None:
            params = self.scope.get("url_route", {}).get("kwargs", {})
        return dict(params)

    @property
    def closed(self) -> bool:
        """True once the server closed the connection or it ended."""
        return self._chanx_state is _CLOSED or self._chanx_state is _STOPPED

    # -- the ASGI loop -----------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: ASGIReceive, send: ASGISend) -> None:
        self.scope = scope
        self.base_send = send
        layer = self.get_channel_layer()
        self.channel_layer = layer
        if layer is not None:
            self.channel_name = await layer.new_channel()
        # websocket_receive's own work, done here unless a subclass overrides it: one
        # coroutine level less per frame
        direct = type(self).websocket_receive is Connection.websocket_receive
        try:
            while True:
                message = await receive()
                kind = message["type"]
                self._chanx_busy = True
                if kind == "websocket.receive":
                    if not direct:
                        await self.websocket_receive(message)
                    elif self._chanx_state is _OPEN:
                        await self.receive(message.get("text"), message.get("bytes"))
                elif kind == "websocket.connect":
                    await self.websocket_connect(message)
                elif kind == "websocket.disconnect":
                    await self.websocket_disconnect(message)
                    return
                self._chanx_busy = False
                if self._chanx_restart is not None:  # a graceful close waits for this frame
                    await self._chanx_close_for_restart()
        finally:
            await self._chanx_stop()

    @classmethod
    def get_channel_layer(cls) -> ChannelLayer | None:
        """The channel layer of ``channel_layer_alias``; bindings look it up in their framework."""
        return None

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        """ASGI ``websocket.connect``: run :meth:`connect`.

        An exception of ``accept_exceptions`` raised by it (or by ``post_authentication``)
        accepts the handshake, one of ``deny_exceptions`` refuses it, as in Channels.
        """
        obs = self._chanx_telemetry
        if obs is not None:
            obs.connection_event(self, "connect", None)
        self._chanx_loop = asyncio.get_running_loop()
        self._chanx_task = asyncio.current_task()
        shutdown.track(self)
        if shutdown.draining():  # shutting down: send the client elsewhere, run nothing
            await self.accept()
            await self.close(CLOSE_SERVICE_RESTART)
            return
        try:
            await self.connect()
        except self.accept_exceptions:
            await self.accept()
        except self.deny_exceptions:
            await self.close()

    async def websocket_receive(self, message: dict[str, Any]) -> None:
        """ASGI ``websocket.receive``: route the frame, only while the connection is open.

        Never before the handshake completed (so never before authentication), never after
        the server closed it.
        """
        if self._chanx_state is _OPEN:
            await self.receive(message.get("text"), message.get("bytes"))

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        """ASGI ``websocket.disconnect``: stop delivery, leave groups, call :meth:`disconnect`."""
        code = message.get("code", 1005)
        obs = self._chanx_telemetry
        if obs is not None:
            obs.connection_event(self, "disconnect", code)
        await self._chanx_stop()
        await self.disconnect(code)

    # -- hooks -------------------------------------------------------------------------------
    async def connect(self) -> None:
        """Hook: the handshake arrived. The default accepts it."""
        await self.accept()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Hook: one client frame on an open connection."""

    def encode_message(self, message: BaseModel) -> str:
        """Hook: serialize one message (the sending part implements it)."""
        raise NotImplementedError

    async def send_text(self, text: str) -> None:
        """Hook: write one ready JSON text frame (the sending part implements it)."""
        raise NotImplementedError

    async def post_authentication(self) -> None:
        """Hook: runs after successful authentication and group joins, before any frame."""

    async def disconnect(self, code: int) -> None:
        """Hook: runs when the connection closed."""

    # -- handshake and close -----------------------------------------------------------------
    async def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        """Accept the WebSocket handshake (once; later calls do nothing)."""
        if self._chanx_state is not _CONNECTING:
            return
        message: dict[str, Any] = {"type": "websocket.accept", "subprotocol": subprotocol}
        if headers:
            message["headers"] = list(headers)
        self._chanx_state = _OPEN
        obs = self._chanx_telemetry
        if obs is not None:
            obs.connection_event(self, "accept", None)
        await self.base_send(message)
        greeting, self._chanx_greeting = self._chanx_greeting, None
        if greeting is not None:
            await self.send_text(self.encode_message(greeting))

    async def close(self, code: int | None = None, reason: str | None = None) -> None:
        """Close the connection; nothing is sent or routed afterwards."""
        if self._chanx_state is _CLOSED or self._chanx_state is _STOPPED:
            return
        self._chanx_state = _CLOSED
        obs = self._chanx_telemetry
        if obs is not None:
            obs.connection_event(self, "close", code or 1000)
        await self.send_close_frame(code or 1000, reason)
        if self._chanx_ended is not None:
            self._chanx_ended.set()

    async def send_close_frame(self, code: int, reason: str | None) -> None:
        """Hook: hand the close to the server (ASGI ``websocket.close``).

        Bindings override it for servers that refuse some codes from applications (daphne's
        WebSocket library refuses 1001-2999, 1012 included).
        """
        message: dict[str, Any] = {"type": "websocket.close", "code": code}
        if reason:
            message["reason"] = reason
        await self.base_send(message)

    @property
    def restarting(self) -> bool:
        """True once the server began closing this connection for a shutdown (code 1012).

        ``disconnect()`` hooks read it to tell a deploy from a user who left (presence may
        keep such a user for its grace period: the client reconnects elsewhere).
        """
        return self._chanx_restart is not None

    async def close_gracefully(self, code: int = CLOSE_SERVICE_RESTART) -> None:
        """Close after the frame being handled, within ``shutdown_timeout``; wait for the end.

        The frame in progress (and concurrent handlers) finish and send their replies; no
        later frame is routed; then the connection closes with ``code``. A handler still
        running after ``shutdown_timeout`` seconds does not hold the close back. Returns once
        the client answered the close (at most a few seconds more).
        """
        if self._chanx_state is _STOPPED:
            return
        deadline = asyncio.get_running_loop().time() + self.shutdown_timeout
        if self._chanx_restart is None:
            self._chanx_restart = code
            self._chanx_ended = asyncio.Event()
            self._chanx_deadline = deadline
            if not self._chanx_busy:  # idle between frames: close now
                await self._chanx_close_for_restart()
        ended = self._chanx_ended
        assert ended is not None
        try:
            async with asyncio.timeout_at(deadline):
                while not self.closed:  # set by close() and by the end of the connection
                    await ended.wait()
                    ended.clear()
        except TimeoutError:
            # a handler overran shutdown_timeout: close anyway and cancel it
            await self.close(code)
            task = self._chanx_task
            if self._chanx_busy and task is not None and task is not asyncio.current_task():
                logger.warning(
                    "%s: cancelling a handler still running after shutdown_timeout=%ss",
                    type(self).__name__,
                    self.shutdown_timeout,
                )
                task.cancel()
        try:
            async with asyncio.timeout(_CLOSE_HANDSHAKE):
                while self._chanx_state is not _STOPPED:
                    await ended.wait()
                    ended.clear()
        except TimeoutError:
            logger.warning("%s: the client did not answer a graceful close", type(self).__name__)

    async def _chanx_close_for_restart(self) -> None:
        code = self._chanx_restart or CLOSE_SERVICE_RESTART
        tasks = [t for t in self._chanx_tasks if not t.done()]
        if tasks:  # concurrent handlers (max_concurrent_handlers > 1) finish first
            remaining = self._chanx_deadline - asyncio.get_running_loop().time()
            await asyncio.wait(tasks, timeout=max(remaining, 0.0))
        await self.close(code)

    # -- groups ------------------------------------------------------------------------------
    def _chanx_layer(self) -> ChannelLayer:
        layer = self.channel_layer
        if layer is None:
            raise RuntimeError(
                f"{type(self).__qualname__} has no channel layer (channel_layer_alias="
                f"{self.channel_layer_alias!r}); configure one to use groups"
            )
        return layer

    async def join_group(self, group: str) -> None:
        """Add this connection to ``group``; it is left automatically when the connection ends.

        Race-safe: if the connection ended while the layer was adding it, the group is left
        again and not recorded.
        """
        layer = self._chanx_layer()
        await layer.group_add(group, self.channel_name)
        if self._chanx_state is _STOPPED:
            await layer.group_discard(group, self.channel_name)
            return
        if group not in self.groups:
            self.groups.append(group)

    async def leave_group(self, group: str) -> None:
        """Remove this connection from ``group`` (harmless if it never joined)."""
        if group in self.groups:
            self.groups.remove(group)
        await self._chanx_layer().group_discard(group, self.channel_name)

    # -- layer delivery ----------------------------------------------------------------------
    async def dispatch(self, message: LayerMessage) -> None:
        """Run the method a layer message names (``{"type": "a.b"}`` -> ``a_b``); log errors.

        Both delivery paths (the reader task and the mailbox) call it for every message.
        """
        name = handler_name(message)
        if name is None:
            logger.warning("ignoring layer message of type %r", message.get("type"))
            return
        handler = getattr(self, name, None)
        if handler is None:
            logger.warning("%s has no handler for layer message %r", type(self).__name__, name)
            return
        try:
            await handler(message)
        except Exception:
            logger.exception("layer message %r failed", message.get("type"))

    async def _chanx_stop(self) -> None:
        if self._chanx_state is _STOPPED:
            return
        self._chanx_state = _STOPPED
        shutdown.untrack(self)
        if self._chanx_ended is not None:
            self._chanx_ended.set()
        obs = self._chanx_telemetry
        if obs is not None:
            obs.connection_ended(self)
        expiry, self._chanx_expiry = self._chanx_expiry, None
        if expiry is not None:
            expiry.cancel()
        reader, self._chanx_reader = self._chanx_reader, None
        if reader is not None:
            await reader.stop()
        mailbox, self._chanx_mailbox = self._chanx_mailbox, None
        layer = self.channel_layer
        if mailbox is not None:  # only ever attached to a direct-delivery layer
            cast("DirectDeliveryLayer", layer).detach(self.channel_name)
            await mailbox.close()
        for task in list(self._chanx_tasks):
            task.cancel()
        if layer is not None and self.channel_name:
            for group in self.groups:
                try:
                    await layer.group_discard(group, self.channel_name)
                except Exception:
                    logger.warning("could not leave group %r", group, exc_info=True)
            if forgets_channels(layer):
                layer.forget_channel(self.channel_name)
