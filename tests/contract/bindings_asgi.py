"""Contract-suite adapter of the FastAPI/Starlette binding (``chanx.fast_channels``)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from fast_channels.exceptions import AcceptConnection, DenyConnection
from fastapi import FastAPI

from chanx.fast_channels.testing import isolated_layer as _isolated_layer
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer

NAME = "asgi"
MARKS = [pytest.mark.asgi]
Consumer = AsyncJsonWebsocketConsumer
__all__ = ["AcceptConnection", "DenyConnection"]


def make_app(routes: Sequence[tuple[str, type[Any]]]) -> FastAPI:
    """A FastAPI app routing through FastAPI's own websocket routes."""
    app = FastAPI()
    for path, consumer in routes:
        app.add_api_websocket_route(path, consumer.as_asgi())
    return app


@contextlib.asynccontextmanager
async def isolated_layer() -> AsyncIterator[Any]:
    """A fresh chanx in-memory layer under ``"default"`` in fast-channels' registry."""
    with _isolated_layer() as layer:
        yield layer
