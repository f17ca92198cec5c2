"""The project's WebSocket application, as Channels' ``ASGI_APPLICATION`` routes it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from chanx.core.types import ASGIApp

__all__ = ["get_websocket_application"]


def get_websocket_application() -> ASGIApp | None:
    """The ``"websocket"`` entry of ``settings.ASGI_APPLICATION`` (middleware included).

    ``None`` when that application is not a ``ProtocolTypeRouter`` or routes no WebSocket.
    Test clients and route discovery start from it.

    Raises:
        django.core.exceptions.ImproperlyConfigured: ``ASGI_APPLICATION`` is not set or
            cannot be imported.
    """
    from channels.routing import ProtocolTypeRouter, get_default_application

    application: Any = get_default_application()
    if not isinstance(application, ProtocolTypeRouter):
        return None
    return cast("ASGIApp | None", application.application_mapping.get("websocket"))
