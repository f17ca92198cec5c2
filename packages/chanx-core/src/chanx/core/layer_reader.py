"""The long-lived task that drains a connection's channel layer channel.

It survives layer outages: when ``receive`` fails (Redis restarted, a read timed out) it logs,
backs off and retries instead of letting the error kill the connection, and once the layer
answers again it re-joins the consumer's groups, because a restarted Redis has forgotten them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chanx.core.types import ChannelLayer, LayerMessage

__all__ = ["LayerReader"]

logger = logging.getLogger("chanx.layer")

_FIRST_BACKOFF = 0.05
_MAX_BACKOFF = 2.0


class LayerReader:
    """Reads ``channel`` of ``layer`` and dispatches each message to ``consumer``.

    A message ``{"type": "a.b"}`` calls ``consumer.a_b(message)``, as Channels does, so plain
    Channels-style layer handlers keep working next to chanx's own.
    """

    def __init__(self, consumer: Any, layer: ChannelLayer, channel: str) -> None:
        self.consumer = consumer
        self.layer = layer
        self.channel = channel
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start reading in a background task."""
        self._task = asyncio.create_task(self._run(), name=f"chanx-layer-{self.channel}")

    async def stop(self) -> None:
        """Stop reading and wait for the task to end."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        backoff = 0.0
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                backoff = min(max(backoff * 2, _FIRST_BACKOFF), _MAX_BACKOFF)
                logger.warning(
                    "channel layer receive failed for %s (%s: %s); retrying in %.2fs",
                    self.channel,
                    type(exc).__name__,
                    exc,
                    backoff,
                )
                await asyncio.sleep(backoff)
                continue
            if backoff:
                backoff = 0.0
                await self._rejoin_groups()
            await self.dispatch(message)

    async def _rejoin_groups(self) -> None:
        for group in list(self.consumer.groups):
            try:
                await self.layer.group_add(group, self.channel)
            except Exception:
                logger.warning("could not re-join group %r after an outage", group, exc_info=True)
        logger.info("channel layer back for %s; groups restored", self.channel)

    async def dispatch(self, message: LayerMessage) -> None:
        """Run the consumer method named by ``message["type"]``; errors are logged."""
        kind = message.get("type")
        if not isinstance(kind, str) or kind.startswith(("_", "websocket.")):
            logger.warning("ignoring layer message of type %r", kind)
            return
        handler = getattr(self.consumer, kind.replace(".", "_"), None)
        if handler is None:
            logger.warning(
                "%s has no handler for layer message %r", type(self.consumer).__name__, kind
            )
            return
        try:
            await handler(message)
        except Exception:
            logger.exception("layer message %r failed", kind)
