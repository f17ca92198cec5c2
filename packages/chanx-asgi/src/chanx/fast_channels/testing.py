"""Test helpers for ASGI consumers: a communicator and isolated or recording channel layers.

``WebsocketCommunicator`` drives a consumer, a ``ConsumerApp`` or a whole FastAPI/Starlette
application in process (no server, no sockets); the app's routing fills
``scope["path_params"]`` as in production. It builds on chanx-core's ``WebsocketHarness``: a
receive timeout raises ``TimeoutError`` without cancelling the application, so a test can keep
going after checking that nothing arrived.

``isolated_layer()`` gives a test its own in-memory layer under an alias and restores the
previous one afterwards; ``capture_layer()`` records every broadcast and event sent through an
alias. The pytest plugin (:mod:`chanx.fast_channels.pytest_plugin`) wraps both as fixtures.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from chanx.core.layers import InMemoryChannelLayer
from chanx.core.testing import ConnectResult, RecordingLayer, WebsocketHarness
from chanx.fast_channels.layers import DEFAULT_ALIAS, get_layer, register_layer, unregister_layer
from fast_channels.layers import channel_layers

__all__ = [
    "ConnectResult",
    "RecordingLayer",
    "WebsocketCommunicator",
    "capture_layer",
    "isolated_layer",
]


class WebsocketCommunicator(WebsocketHarness):
    """An in-process WebSocket client for ASGI consumers and applications.

    ``application`` is a consumer class, its ``as_asgi()`` app, or a FastAPI/Starlette
    application (then ``path`` is routed and path parameters are filled by the router; pass
    ``consumer=`` so the message helpers know the consumer behind the route). Pass
    ``path_params`` only when serving a consumer without a router. Every argument and method
    is :class:`~chanx.core.testing.harness.WebsocketHarness`'s: the ASGI binding needs no
    other defaults.
    """


@contextlib.contextmanager
def isolated_layer(
    alias: str = DEFAULT_ALIAS, capacity: int = 1000
) -> Iterator[InMemoryChannelLayer]:
    """Register a fresh in-memory layer under ``alias``; restore the previous one on exit."""
    previous = channel_layers.get(alias)
    layer = InMemoryChannelLayer(capacity=capacity)
    register_layer(alias, layer)
    try:
        yield layer
    finally:
        if previous is None:
            unregister_layer(alias)
        else:
            register_layer(alias, previous)


@contextlib.contextmanager
def capture_layer(alias: str = DEFAULT_ALIAS) -> Iterator[RecordingLayer]:
    """Record what is sent through the layer of ``alias`` (messages still get delivered).

    Enter it before connecting: a consumer keeps the layer it found when it connected.
    """
    previous = channel_layers.get(alias)
    recorder = RecordingLayer(get_layer(alias))
    register_layer(alias, recorder)
    try:
        yield recorder
    finally:
        if previous is None:
            unregister_layer(alias)
        else:
            register_layer(alias, previous)
