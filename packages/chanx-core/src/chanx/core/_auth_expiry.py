"""Expiry of a connection's authentication: one timer per connection, armed by the authenticator.

An authenticator that sets ``expires_at`` arms a ``loop.call_later`` timer (no task, no
per-frame cost). When it fires, the client gets an ``authentication`` frame (401, "expired")
and the connection closes with :data:`~chanx.constants.CLOSE_AUTH_EXPIRED`. A successful
``auth_refresh`` frame (:mod:`chanx.core._auth_refresh`) re-arms it with the new expiry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chanx.constants import CLOSE_AUTH_EXPIRED

if TYPE_CHECKING:
    from chanx.core.consumer import ChanxConsumer

__all__ = ["arm_expiry", "auth_outcome", "deadline", "expired"]

logger = logging.getLogger("chanx.auth")


def deadline(expires_at: float | datetime | None) -> float | None:
    """``expires_at`` as a UNIX timestamp (``None``: never expires)."""
    if expires_at is None:
        return None
    if isinstance(expires_at, datetime):
        return expires_at.timestamp()
    return float(expires_at)


def expired(expires_at: float | datetime | None) -> bool:
    """True when ``expires_at`` is set and already passed."""
    at = deadline(expires_at)
    return at is not None and at <= time.time()


def auth_outcome(status: int, data: dict[str, Any]) -> Any:
    """An ``authentication`` frame with ``status``, its reason phrase and ``data``."""
    from chanx.core.authenticator import status_text
    from chanx.messages.outgoing import AuthenticationMessage, AuthenticationPayload

    payload = AuthenticationPayload(status_code=status, status_text=status_text(status), data=data)
    return AuthenticationMessage(payload=payload)


def arm_expiry(consumer: ChanxConsumer[Any], expires_at: float | datetime | None) -> None:
    """Replace the connection's expiry timer by one for ``expires_at`` (None: disarm)."""
    handle = consumer._chanx_expiry
    if handle is not None:
        handle.cancel()
        consumer._chanx_expiry = None
    at = deadline(expires_at)
    if at is None:
        return
    loop = asyncio.get_running_loop()
    consumer._chanx_expiry = loop.call_later(max(at - time.time(), 0.0), _fire, consumer)


def _fire(consumer: ChanxConsumer[Any]) -> None:
    consumer._chanx_expiry = None
    if consumer.closed:
        return
    task = asyncio.ensure_future(_expire(consumer))
    consumer._chanx_tasks.add(task)
    task.add_done_callback(consumer._chanx_tasks.discard)


async def _expire(consumer: ChanxConsumer[Any]) -> None:
    logger.info(
        "%s: authentication of a connection to %s expired",
        type(consumer).__qualname__,
        consumer.scope.get("path"),
    )
    frame = auth_outcome(401, {"detail": "Authentication expired"})
    await consumer.send_message(frame, ref=None)
    await consumer.close(code=CLOSE_AUTH_EXPIRED)
