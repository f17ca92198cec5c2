"""Type aliases shared by the core and the bindings: ASGI callables and the channel layer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol, TypeGuard, runtime_checkable

__all__ = [
    "ASGIApp",
    "ASGIReceive",
    "ASGISend",
    "ChannelLayer",
    "DirectDeliveryLayer",
    "ForgetsChannels",
    "LayerConsumer",
    "LayerMailbox",
    "LayerMessage",
    "Scope",
    "forgets_channels",
    "is_direct_delivery",
]

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


@runtime_checkable
class LayerMailbox(Protocol):
    """Takes a connection's layer messages from a layer that delivers them directly."""

    def deliver(self, message: LayerMessage) -> bool:
        """Take ``message``; False when it was dropped (the connection's backlog is full)."""


@runtime_checkable
class DirectDeliveryLayer(Protocol):
    """A layer that hands messages for local connections to their mailbox, in the sender's task.

    Consumers on such a layer attach a :class:`LayerMailbox` instead of running a reader task
    (:class:`chanx.core.layers.InMemoryChannelLayer` is one). ``direct_delivery`` may be False
    on a subclass that behaves like a remote layer.
    """

    direct_delivery: bool
    #: Messages a connection's backlog holds while it is busy.
    capacity: int

    def attach(self, channel: str, mailbox: LayerMailbox) -> None:
        """Deliver ``channel``'s messages to ``mailbox`` from now on."""

    def detach(self, channel: str) -> None:
        """Stop delivering ``channel``'s messages to its mailbox."""


@runtime_checkable
class ForgetsChannels(Protocol):
    """A layer that keeps per-channel state it can drop when the connection ends."""

    def forget_channel(self, channel: str) -> None:
        """Drop whatever the layer keeps for ``channel``."""


class LayerConsumer(Protocol):
    """What layer delivery (reader task or mailbox) needs of a consumer."""

    groups: list[str]

    async def dispatch(self, message: LayerMessage) -> None:
        """Run the handler a layer message names."""

    async def chanx_broadcast(self, message: Any) -> None:
        """Forward a broadcast's ready text to the client."""


_CONFORMS: dict[tuple[type, type], bool] = {}


def _conforms(obj: object, protocol: type) -> bool:
    """``isinstance(obj, protocol)``, decided once per class of ``obj``.

    A runtime-checkable Protocol check walks the Protocol's members on every call (tens of
    microseconds on CPython 3.11), and the layer checks run on every connect and disconnect; a
    layer conforms by what its class defines, so the first answer for a class is kept.
    Proxies (a class with ``__getattr__``, such as a recording wrapper) conform by what they
    wrap, so they are checked every time.
    """
    if hasattr(type(obj), "__getattr__"):
        return isinstance(obj, protocol)
    key = (type(obj), protocol)
    known = _CONFORMS.get(key)
    if known is None:
        known = _CONFORMS[key] = isinstance(obj, protocol)
    return known


def is_direct_delivery(layer: object) -> TypeGuard[DirectDeliveryLayer]:
    """Whether ``layer`` is a :class:`DirectDeliveryLayer` (checked once per layer class)."""
    return _conforms(layer, DirectDeliveryLayer)


def forgets_channels(layer: object) -> TypeGuard[ForgetsChannels]:
    """Whether ``layer`` is a :class:`ForgetsChannels` (checked once per layer class)."""
    return _conforms(layer, ForgetsChannels)
