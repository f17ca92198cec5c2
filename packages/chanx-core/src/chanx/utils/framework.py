"""Finding the framework integration in use, for code written against ``chanx.core`` only.

``chanx.core`` never imports a framework; helpers here import the binding on demand. Both
bindings may be installed (and even serve in one process); :func:`detect_framework` says which
one the process was set up for.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from typing import Any, Literal

__all__ = ["Framework", "channel_layer", "consumer_base", "detect_framework"]

#: The two integrations: Django Channels (``chanx-django``) or fast-channels (``chanx-asgi``).
Framework = Literal["channels", "fast_channels"]


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def detect_framework() -> Framework:
    """``"channels"`` under Django (``DJANGO_SETTINGS_MODULE`` or ``CHANX_USE_DJANGO`` set),
    else whichever binding is installed, fast-channels first.

    Raises ``RuntimeError`` naming the packages to install when neither binding is.
    """
    if os.environ.get("DJANGO_SETTINGS_MODULE") or os.environ.get("CHANX_USE_DJANGO"):
        return "channels"
    if _installed("chanx.fast_channels"):
        return "fast_channels"
    if _installed("chanx.channels"):
        return "channels"
    raise RuntimeError(
        "no chanx binding is installed: install chanx-asgi (FastAPI/Starlette) or "
        "chanx-django (Django Channels)"
    )


def consumer_base() -> type[Any]:
    """The ``AsyncJsonWebsocketConsumer`` of the framework in use."""
    module = importlib.import_module(f"chanx.{detect_framework()}.websocket")
    base: type[Any] = module.AsyncJsonWebsocketConsumer
    return base


def channel_layer(alias: str = "default") -> Any:
    """The channel layer registered under ``alias`` in the framework in use (or None)."""
    if detect_framework() == "channels":
        return importlib.import_module("channels.layers").get_channel_layer(alias)
    return importlib.import_module("fast_channels.layers").get_channel_layer(alias)
