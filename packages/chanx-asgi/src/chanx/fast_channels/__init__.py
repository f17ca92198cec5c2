"""chanx for FastAPI, Starlette and other ASGI frameworks, on fast-channels.

``AsyncJsonWebsocketConsumer`` is the consumer base class; :mod:`.layers` configures channel
layers (in-memory by default, Redis for several processes); :mod:`.testing` drives consumers
in tests; :mod:`.views` serves the AsyncAPI document and docs page (``asyncapi`` extra).

The re-exports below are resolved on first access: pytest imports this package early (for
the bundled plugin, before coverage measurement starts), and importing nothing until needed
keeps that cheap and keeps chanx's modules visible to coverage.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from chanx.fast_channels.__about__ import __version__

if TYPE_CHECKING:
    from chanx.fast_channels._app import ConsumerApp
    from chanx.fast_channels.layers import LayerUnavailableError, get_layer, setup_layers
    from chanx.fast_channels.views import asyncapi_docs, asyncapi_spec_json, asyncapi_spec_yaml
    from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer

__all__ = [
    "AsyncJsonWebsocketConsumer",
    "ConsumerApp",
    "LayerUnavailableError",
    "__version__",
    "asyncapi_docs",
    "asyncapi_spec_json",
    "asyncapi_spec_yaml",
    "get_layer",
    "setup_layers",
]

_SOURCES = {
    "AsyncJsonWebsocketConsumer": "chanx.fast_channels.websocket",
    "ConsumerApp": "chanx.fast_channels._app",
    "LayerUnavailableError": "chanx.fast_channels.layers",
    "get_layer": "chanx.fast_channels.layers",
    "setup_layers": "chanx.fast_channels.layers",
    "asyncapi_docs": "chanx.fast_channels.views",
    "asyncapi_spec_json": "chanx.fast_channels.views",
    "asyncapi_spec_yaml": "chanx.fast_channels.views",
}


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module 'chanx.fast_channels' has no attribute {name!r}")
    return getattr(importlib.import_module(source), name)
