"""``BaseClient``: reconnecting, typed WebSocket client (``chanx.client``)."""

from chanx.client import BaseClient

__all__ = ["BaseClient"]
