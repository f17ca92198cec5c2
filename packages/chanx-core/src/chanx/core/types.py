"""Type aliases shared by the core and the bindings: ASGI callables and the channel layer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol, runtime_checkable

__all__ = ["ASGIApp", "ASGIReceive", "ASGISend", "ChannelLayer", "LayerMessage", "Scope"]

Scope = MutableMapping[str, Any]
LayerMessage = dict[str, Any]
ASGIReceive = Callable[[], Awaitable[dict[str, Any]]]
ASGISend = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, ASGIReceive, ASGISend], Awaitable[None]]


@runtime_checkable
class ChannelLayer(Protocol):
    """The part of the channel layer contract chanx uses (Channels and fast-channels fit it)."""

    async def new_channel(self, prefix: str = ...) -> str:
        """Create a channel name unique to this process and return it."""

    async def send(self, channel: str, message: LayerMessage) -> None:
        """Deliver ``message`` to one channel."""

    async def receive(self, channel: str) -> LayerMessage:
        """Wait for the next message of ``channel``."""

    async def group_add(self, group: str, channel: str) -> None:
        """Add ``channel`` to ``group``."""

    async def group_discard(self, group: str, channel: str) -> None:
        """Remove ``channel`` from ``group``."""

    async def group_send(self, group: str, message: LayerMessage) -> None:
        """Deliver ``message`` to every channel of ``group``."""
