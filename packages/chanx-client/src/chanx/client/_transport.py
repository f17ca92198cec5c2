"""Open one WebSocket connection, turning every failure into a typed error."""

from __future__ import annotations

from collections.abc import Mapping

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus

from chanx.client.errors import ConnectionClosedError, error_for_status


async def open_socket(
    url: str, headers: Mapping[str, str], open_timeout: float, ping_interval: float | None
) -> ClientConnection:
    """Connect to ``url``; an HTTP refusal maps to its typed error, anything else is retryable."""
    try:
        return await connect(
            url,
            additional_headers=dict(headers),
            open_timeout=open_timeout,
            ping_interval=ping_interval,
            ping_timeout=ping_interval,
        )
    except InvalidStatus as exc:
        raise error_for_status(exc.response.status_code) from exc
    except (OSError, InvalidHandshake, TimeoutError) as exc:
        raise ConnectionClosedError(None, f"cannot connect: {exc}") from exc
