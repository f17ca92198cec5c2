"""Overridable hooks of a connection, with their defaults."""

from __future__ import annotations

import logging
from typing import Any

from websockets.asyncio.client import ClientConnection

logger = logging.getLogger("chanx.client")


class ConnectionHooks:
    """Called by :class:`~chanx.client.connection.Connection`; override in a subclass."""

    async def before_handle(self) -> None:
        """Called once before the first connection attempt."""

    async def after_handle(self) -> None:
        """Called once after a clean ``disconnect()``."""

    async def send_init_message(self) -> None:
        """Called (as a task) after every connect, once queued frames are flushed."""

    async def on_open(self) -> None:
        """Called after each connect, before queued frames are flushed (subclasses resubscribe)."""

    async def handle_raw_data(self, data: str | bytes) -> None:
        """Called for a frame that is not a JSON object (logged by default)."""
        logger.warning("non-JSON frame from the server: %.80r", data)

    async def dispatch_frame(self, data: dict[str, Any]) -> None:
        """Called for a JSON object frame that answers no request (``BaseClient`` validates it)."""

    async def _heartbeat(self, ws: ClientConnection) -> None:
        """Heartbeats of one connection (``BaseClient`` sends ``heartbeat_message``)."""
