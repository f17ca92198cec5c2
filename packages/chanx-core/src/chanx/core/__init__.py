"""chanx core: decorator-routed, Pydantic-typed WebSocket consumers, framework-free.

Bindings (``chanx.channels`` for Django Channels, ``chanx.fast_channels`` for FastAPI and
Starlette) subclass :class:`ChanxConsumer` with their framework's consumer.
"""

from chanx.core.__about__ import __version__
from chanx.core.authenticator import BaseAuthenticator
from chanx.core.connection import ConnectionState
from chanx.core.consumer import ChanxConsumer, ConsumerMixin
from chanx.core.decorators import ChannelInfo, HandlerInfo, channel, event_handler, ws_handler
from chanx.core.layers import ChannelFull, InMemoryChannelLayer
from chanx.core.outage_buffer import OutageBufferFull, configure_outage_buffer
from chanx.core.registry import Registry, Route, build_registry, channel_info
from chanx.core.topic import Topic

__all__ = [
    "BaseAuthenticator",
    "ChannelFull",
    "ChannelInfo",
    "ChanxConsumer",
    "ConnectionState",
    "ConsumerMixin",
    "HandlerInfo",
    "InMemoryChannelLayer",
    "OutageBufferFull",
    "Registry",
    "Route",
    "Topic",
    "__version__",
    "build_registry",
    "channel",
    "channel_info",
    "configure_outage_buffer",
    "event_handler",
    "ws_handler",
]
