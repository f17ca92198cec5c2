"""Fixtures of the chanx-asgi tests: Redis layers with a prefix of their own per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from chanx.fast_channels.layers import setup_layers, unregister_layer

RedisLayerFactory = Callable[..., Any]


@pytest.fixture
def layer_prefix() -> str:
    """A Redis key prefix no other test (or helper sharing the Redis) uses."""
    return f"chanx-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def redis_layer(redis_url: str, layer_prefix: str) -> AsyncIterator[RedisLayerFactory]:
    """``redis_layer(kind="core"|"pubsub", alias="default")`` registers a Redis layer.

    Every layer made is flushed (its prefix deleted, connections closed) and unregistered
    after the test.
    """
    made: list[tuple[str, Any]] = []

    def make(kind: str = "core", alias: str = "default", **options: Any) -> Any:
        layer = setup_layers(redis_url, kind=kind, alias=alias, prefix=layer_prefix, **options)  # type: ignore[arg-type]
        made.append((alias, layer))
        return layer

    yield make
    for alias, layer in made:
        unregister_layer(alias)
        await layer.flush()
