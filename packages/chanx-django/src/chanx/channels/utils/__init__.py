"""Helpers around chanx-django: the WebSocket application, handshake requests, test settings."""

from chanx.channels.utils.asgi import get_websocket_application
from chanx.channels.utils.request import request_from_scope
from chanx.channels.utils.settings import override_chanx_settings, settings_context

__all__ = [
    "get_websocket_application",
    "override_chanx_settings",
    "request_from_scope",
    "settings_context",
]
