"""chanx for FastAPI, Starlette and other ASGI frameworks, on fast-channels.

``AsyncJsonWebsocketConsumer`` is the consumer base class; :mod:`.layers` configures channel
layers (in-memory by default, Redis for several processes); :mod:`.testing` drives consumers
in tests.
"""

from chanx.fast_channels.__about__ import __version__
from chanx.fast_channels._app import ConsumerApp
from chanx.fast_channels.layers import LayerUnavailableError, get_layer, setup_layers
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer

__all__ = [
    "AsyncJsonWebsocketConsumer",
    "ConsumerApp",
    "LayerUnavailableError",
    "__version__",
    "get_layer",
    "setup_layers",
]
