"""The FastAPI/Starlette consumer: chanx's routing core on fast-channels.

``AsyncJsonWebsocketConsumer`` puts :class:`~chanx.core.consumer.ChanxConsumer` first in the
MRO, so the core's own receive loop (``__call__``), handshake and frame handling win over
fast-channels' (which waits on a fresh future per frame); fast-channels contributes its
helpers (``send``, ``send_json``...) and its layer registry, looked up by
``channel_layer_alias``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chanx.core.consumer import ChanxConsumer, EventT
from chanx.core.websocket import ReceiveEvent
from chanx.fast_channels._app import ConsumerApp
from chanx.fast_channels.layers import get_layer
from fast_channels.consumer.websocket import (
    AsyncJsonWebsocketConsumer as _FastChannelsJsonConsumer,
)
from fast_channels.exceptions import AcceptConnection, DenyConnection

if TYPE_CHECKING:
    from chanx.core.types import ChannelLayer

    class _FastChannelsHelpers:
        """What type checkers see of fast-channels' consumer: the helpers users call.

        At run time the base is fast-channels' real consumer. Type checkers get this narrow
        view instead, because the two bases type the methods chanx overrides (``receive``,
        ``websocket_connect``, ``channel_layer``...) differently, and every user class mixing
        in another class would otherwise need a ``type: ignore``.
        """

        async def send(
            self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
        ) -> None:
            """Send a raw text or binary frame."""

        async def send_json(self, content: Any, close: bool = False) -> None:
            """Send ``content`` encoded as JSON."""

else:
    _FastChannelsHelpers = _FastChannelsJsonConsumer

__all__ = ["AsyncJsonWebsocketConsumer", "ReceiveEvent"]


class AsyncJsonWebsocketConsumer(ChanxConsumer[EventT], _FastChannelsHelpers):
    """Typed JSON WebSocket consumer for FastAPI, Starlette and any ASGI router.

    Mount ``MyConsumer.as_asgi()`` with ``app.add_api_websocket_route(path, ...)``,
    ``app.router.add_websocket_route(path, ...)`` or ``starlette.routing.WebSocketRoute``;
    path parameters arrive in ``self.scope["path_params"]``. The optional type parameter
    (``AsyncJsonWebsocketConsumer[MyEvent]``) types ``send_event``/``broadcast_event``.
    """

    channel_layer_alias: str | None = "default"
    accept_exceptions = (AcceptConnection,)
    deny_exceptions = (DenyConnection,)

    @classmethod
    def get_channel_layer(cls) -> ChannelLayer | None:
        """The fast-channels layer registered under ``channel_layer_alias``.

        ``"default"`` falls back to chanx's in-memory layer; an unknown alias raises
        :class:`~chanx.fast_channels.layers.LayerUnavailableError`.
        """
        return get_layer(cls.channel_layer_alias)

    @classmethod
    def as_asgi(cls, **initkwargs: Any) -> ConsumerApp:
        """An ASGI app serving each connection with a new consumer (see :class:`ConsumerApp`)."""
        return ConsumerApp(cls, initkwargs)
